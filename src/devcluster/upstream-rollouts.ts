// Runs the upstream Kruise Rollout controller (the Go binary build-rollouts-upstream.sh
// builds) outside the cluster against a local control plane, its webhooks reached by URL on
// 127.0.0.1 — the way the benchmark runs it next to ours. Only one of the two controllers may
// own the rollouts.kruise.io API at a time: both use the same webhook configuration names
// and CRDs, so switching goes through clearRolloutsApi.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { isAlreadyExists, isNotFound } from "../kube/api-error.js";
import { createKubeClient, type KubeClient } from "../kube/client.js";
import {
  customResourceDefinitions,
  mutatingWebhookConfigurations,
  type ResourceRef,
  resourcePath,
  validatingWebhookConfigurations,
} from "../kube/resource.js";
import type { RunningController } from "./controller.js";
import {
  type Manifest,
  parseManifests,
  webhookConfigurations,
  withConversion,
} from "./upstream-rollouts-manifests.js";

const repoRoot = join(import.meta.dirname, "..", "..");
const webhookConfigurationNames = {
  mutating: "kruise-rollout-mutating-webhook-configuration",
  validating: "kruise-rollout-validating-webhook-configuration",
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds the upstream controller once (cached) and returns the binary's path. */
export function ensureUpstreamRollouts(): string {
  const script = join(repoRoot, "src", "devcluster", "build-rollouts-upstream.sh");
  const binary = execFileSync("bash", [script], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  if (!existsSync(binary)) throw new Error(`${script} printed "${binary}", which does not exist`);
  return binary;
}

async function waitEstablished(client: KubeClient, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const crd = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
      method: "GET",
      path: resourcePath(customResourceDefinitions, { name }),
    });
    if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    await sleep(100);
  }
  throw new Error(`CRD ${name} did not become Established`);
}

async function createOrReplace(client: KubeClient, resource: ResourceRef, object: Manifest): Promise<void> {
  const path = resourcePath(resource, { name: object.metadata.name });
  try {
    const live = await client.request<Manifest>({ method: "GET", path });
    const metadata = {
      ...object.metadata,
      resourceVersion: (live.metadata as { resourceVersion?: string }).resourceVersion,
    };
    await client.request({ method: "PUT", path, body: { ...object, metadata } });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await client.request({ method: "POST", path: resourcePath(resource), body: object });
  }
}

async function deleteAndWait(client: KubeClient, resource: ResourceRef, name: string): Promise<void> {
  const path = resourcePath(resource, { name });
  try {
    await client.request({ method: "DELETE", path });
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  // CRD deletion waits for the apiserver's instance cleanup: minutes on a loaded machine.
  for (let i = 0; i < 3000; i++) {
    try {
      await client.request({ method: "GET", path });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    await sleep(100);
  }
  throw new Error(`${resource.plural}/${name} is still there 5 minutes after its deletion`);
}

/**
 * Removes whichever controller's hold on the rollouts.kruise.io API: the two webhook
 * configurations (both controllers use these names) and every rollouts.kruise.io CRD. Call it
 * with no Rollout left (their finalizers need the controller that is gone).
 */
export async function clearRolloutsApi(kubeconfig: string): Promise<void> {
  const client = createKubeClient({ kubeconfig });
  await deleteAndWait(client, mutatingWebhookConfigurations, webhookConfigurationNames.mutating);
  await deleteAndWait(client, validatingWebhookConfigurations, webhookConfigurationNames.validating);
  const crds = await client.request<{ items: Manifest[] }>({
    method: "GET",
    path: resourcePath(customResourceDefinitions),
  });
  for (const crd of crds.items) {
    if (crd.metadata.name.endsWith(".rollouts.kruise.io"))
      await deleteAndWait(client, customResourceDefinitions, crd.metadata.name);
  }
}

/** Installs upstream's CRDs (conversion to `conversionUrl`) and its webhook configurations. */
export async function installUpstreamApi(
  kubeconfig: string,
  binary: string,
  conversionUrl: string,
): Promise<void> {
  const client = createKubeClient({ kubeconfig });
  const config = join(dirname(binary), "config");
  const crdDir = join(config, "crd");
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith(".yaml"))) {
    for (const crd of parseManifests(readFileSync(join(crdDir, file), "utf8"))) {
      await createOrReplace(client, customResourceDefinitions, withConversion(crd, conversionUrl));
      await waitEstablished(client, crd.metadata.name);
    }
  }
  const configs = webhookConfigurations(
    readFileSync(join(config, "webhook", "manifests.yaml"), "utf8"),
    readFileSync(join(config, "webhook", "patch_manifests.yaml"), "utf8"),
  );
  for (const c of configs) {
    const resource =
      c.kind === "MutatingWebhookConfiguration"
        ? mutatingWebhookConfigurations
        : validatingWebhookConfigurations;
    await createOrReplace(client, resource, c);
  }
  await client
    .request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "kruise-rollout" } } })
    .catch((error: unknown) => {
      if (!isAlreadyExists(error)) throw error;
    });
}

export interface UpstreamOptions {
  kubeconfig: string;
  binary: string;
  /** Working directory: the log file and the webhook certificates. */
  dir: string;
  webhookPort: number;
  healthPort: number;
  metricsPort: number;
  extraArgs?: string[];
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/**
 * Whether the controller finished its webhook bootstrap: the configurations and the CRD
 * conversion point at its URL with its CA, and the webhook server listens.
 */
async function webhooksWired(client: KubeClient, port: number): Promise<boolean> {
  type Hooked = { webhooks?: { clientConfig?: { url?: string; caBundle?: string } }[] };
  const wired = (c?: { url?: string; caBundle?: string }) =>
    Boolean(c?.caBundle) && (c?.url ?? "").includes(`:${port}/`);
  const mutating = await client.request<Hooked>({
    method: "GET",
    path: resourcePath(mutatingWebhookConfigurations, { name: webhookConfigurationNames.mutating }),
  });
  const crd = await client.request<{
    spec: { conversion?: { webhook?: { clientConfig?: { url?: string; caBundle?: string } } } };
  }>({
    method: "GET",
    path: resourcePath(customResourceDefinitions, { name: "rollouts.rollouts.kruise.io" }),
  });
  return (
    (mutating.webhooks ?? []).length > 0 &&
    (mutating.webhooks ?? []).every((w) => wired(w.clientConfig)) &&
    wired(crd.spec.conversion?.webhook?.clientConfig) &&
    (await portOpen(port))
  );
}

/**
 * Starts the upstream controller as its own process with URL webhooks on 127.0.0.1
 * (pkg/webhook/util: WEBHOOK_HOST, WEBHOOK_PORT, WEBHOOK_CERT_DIR) and waits until its
 * webhooks are wired. installUpstreamApi must have run.
 */
export async function startUpstreamRollouts(o: UpstreamOptions): Promise<RunningController> {
  mkdirSync(o.dir, { recursive: true });
  const logFile = join(o.dir, "upstream-rollouts.log");
  const child = spawn(
    o.binary,
    [
      `--kubeconfig=${o.kubeconfig}`,
      `--metrics-bind-address=127.0.0.1:${o.metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${o.healthPort}`,
      ...(o.extraArgs ?? []),
    ],
    {
      // Its built-in Lua scripts are read from ./lua_configuration.
      cwd: dirname(o.binary),
      env: {
        ...process.env,
        WEBHOOK_HOST: "127.0.0.1",
        WEBHOOK_PORT: String(o.webhookPort),
        WEBHOOK_CERT_DIR: join(o.dir, "certs"),
        POD_NAMESPACE: "kruise-rollout",
      },
      stdio: ["ignore", openSync(logFile, "a"), openSync(logFile, "a")],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const client = createKubeClient({ kubeconfig: o.kubeconfig });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the upstream controller exited; see ${logFile}`);
    const ready = await fetch(`http://127.0.0.1:${o.healthPort}/readyz`, {
      signal: AbortSignal.timeout(1000),
    }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready && (await webhooksWired(client, o.webhookPort).catch(() => false))) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the upstream controller did not wire its webhooks in 2 minutes; see ${logFile}`);
    }
    await sleep(500);
  }
  return {
    child,
    logFile,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
