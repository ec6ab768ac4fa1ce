// How this process proves who it is to the apiserver, for the KubeClient to apply per request.
//
// In a pod (the addon's Deployment) and with the static credentials of a kubeconfig, this is
// our own small code; client-node's KubeConfig is imported only for exec plugins, auth
// providers and proxies, which it implements and we don't repeat (see kubeconfig.ts for why
// it is not imported always).

import { readFileSync } from "node:fs";
import type https from "node:https";
import { isIPv6 } from "node:net";
import type { KubeConfig } from "@kubernetes/client-node";
import {
  type KubeConfigSource,
  kubeconfigFiles,
  type ResolvedContext,
  resolveContext,
} from "./kubeconfig.js";

export interface Credentials {
  readonly server: URL;
  /** The context's namespace ("default" when it names none; the pod's own in a cluster). */
  readonly namespace: string;
  /**
   * Adds TLS material and authentication to one request's options. Run per request, so rotated
   * service-account tokens and exec credentials are picked up. May set `agent` (a proxy's).
   */
  apply(options: https.RequestOptions): Promise<void>;
}

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Finds credentials in controller-runtime's order: an explicit file, $KUBECONFIG, the pod's
 * service account, then ~/.kube/config.
 */
export function loadCredentials(source: KubeConfigSource = {}, env = process.env): Credentials {
  if (!source.kubeconfig && !env.KUBECONFIG && env.KUBERNETES_SERVICE_HOST)
    return inClusterCredentials(env, serviceAccountDir);
  const resolved = resolveContext(kubeconfigFiles(source, env), source.context);
  const { user, cluster } = resolved;
  return user.exec || user["auth-provider"] || cluster["proxy-url"]
    ? delegatedCredentials(source, resolved)
    : staticCredentials(resolved);
}

export function inClusterCredentials(env: NodeJS.ProcessEnv, dir: string): Credentials {
  const host = env.KUBERNETES_SERVICE_HOST as string;
  const port = env.KUBERNETES_SERVICE_PORT || "443";
  const scheme = ["80", "8080", "8001"].includes(port) ? "http" : "https";
  const token = fileToken(`${dir}/token`);
  const ca = readFileSync(`${dir}/ca.crt`);
  let namespace = "default";
  try {
    namespace = readFileSync(`${dir}/namespace`, "utf8").trim() || namespace;
  } catch {
    // A pod without the namespace file (projected volumes can leave it out) uses "default".
  }
  return {
    server: new URL(`${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`),
    namespace,
    async apply(options) {
      options.ca = ca;
      options.headers = { ...options.headers, Authorization: `Bearer ${token()}` };
    },
  };
}

function staticCredentials(resolved: ResolvedContext): Credentials {
  const { cluster, user, contextName } = resolved;
  const material = (data: string | undefined, file: string | undefined, field: string) => {
    if (data) return Buffer.from(data, "base64");
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`kubeconfig context "${contextName}": ${field} ${file}: ${(error as Error).message}`);
    }
  };
  const tls: https.RequestOptions = {
    ca: material(
      cluster["certificate-authority-data"],
      cluster["certificate-authority"],
      "certificate-authority",
    ),
    cert: material(user["client-certificate-data"], user["client-certificate"], "client-certificate"),
    key: material(user["client-key-data"], user["client-key"], "client-key"),
    ...(cluster["tls-server-name"] ? { servername: cluster["tls-server-name"] } : {}),
    ...(cluster["insecure-skip-tls-verify"] ? { rejectUnauthorized: false } : {}),
  };
  const token = user.token
    ? () => user.token as string
    : user.tokenFile
      ? fileToken(user.tokenFile)
      : undefined;
  const basic = user.username ? `${user.username}:${user.password ?? ""}` : undefined;
  return {
    server: new URL(cluster.server),
    namespace: resolved.namespace,
    async apply(options) {
      Object.assign(options, tls);
      if (token) options.headers = { ...options.headers, Authorization: `Bearer ${token()}` };
      else if (basic) options.auth = basic;
    },
  };
}

function delegatedCredentials(source: KubeConfigSource, resolved: ResolvedContext): Credentials {
  let config: Promise<KubeConfig> | undefined;
  const load = async () => {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const kc = new KubeConfig();
    if (source.kubeconfig) kc.loadFromFile(source.kubeconfig);
    else kc.loadFromDefault();
    kc.setCurrentContext(resolved.contextName);
    return kc;
  };
  return {
    server: new URL(resolved.cluster.server),
    namespace: resolved.namespace,
    async apply(options) {
      config ??= load();
      await (await config).applyToHTTPSOptions(options);
    },
  };
}

/**
 * A token read from a file and re-read once a minute, as client-go does: the kubelet rotates
 * projected service-account tokens in place.
 */
function fileToken(path: string): () => string {
  let value = "";
  let readAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (Date.now() - readAt > 60_000) {
      value = readFileSync(path, "utf8").trim();
      readAt = Date.now();
    }
    return value;
  };
}
