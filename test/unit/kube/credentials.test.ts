import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type https from "node:https";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { inClusterCredentials, loadCredentials } from "../../../src/kube/credentials.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");

function kubeconfigFile(dir: string, name: string, doc: object): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(doc));
  return path;
}

function config(o: {
  context: string;
  cluster: object;
  user: object;
  namespace?: string;
  current?: boolean;
}) {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: o.context, cluster: o.cluster }],
    users: [{ name: o.context, user: o.user }],
    contexts: [{ name: o.context, context: { cluster: o.context, user: o.context, namespace: o.namespace } }],
    ...(o.current === false ? {} : { "current-context": o.context }),
  };
}

async function applied(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = {}, context?: string) {
  const credentials = loadCredentials({ kubeconfig, context }, env);
  const options: https.RequestOptions = {};
  await credentials.apply(options);
  return { credentials, options };
}

describe("loadCredentials", () => {
  it("uses embedded client certificates without client-node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "krt-kc-"));
    const file = kubeconfigFile(
      dir,
      "config",
      config({
        context: "admin",
        cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": b64("CA") },
        user: { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
      }),
    );
    const { credentials, options } = await applied(file);
    expect(credentials.server.toString()).toBe("https://127.0.0.1:6443/");
    expect(credentials.namespace).toBe("default");
    expect([options.ca, options.cert, options.key].map(String)).toEqual(["CA", "CERT", "KEY"]);
    expect(options.headers).toBeUndefined();
  });

  it("resolves relative files against the kubeconfig's directory and reads the token file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "krt-kc-"));
    mkdirSync(join(dir, "pki"));
    writeFileSync(join(dir, "pki", "ca.crt"), "FILE-CA");
    writeFileSync(join(dir, "token"), "secret-token\n");
    const file = kubeconfigFile(
      dir,
      "config",
      config({
        context: "sa",
        namespace: "team-a",
        cluster: {
          server: "https://api.example:443",
          "certificate-authority": "pki/ca.crt",
          "tls-server-name": "kubernetes",
        },
        user: { tokenFile: "token" },
      }),
    );
    const { credentials, options } = await applied(file);
    expect(credentials.namespace).toBe("team-a");
    expect(String(options.ca)).toBe("FILE-CA");
    expect(options.servername).toBe("kubernetes");
    expect(options.headers).toEqual({ Authorization: "Bearer secret-token" });
  });

  it("sends basic auth and honours insecure-skip-tls-verify", async () => {
    const dir = mkdtempSync(join(tmpdir(), "krt-kc-"));
    const file = kubeconfigFile(
      dir,
      "config",
      config({
        context: "basic",
        cluster: { server: "https://10.0.0.1", "insecure-skip-tls-verify": true },
        user: { username: "alice", password: "pw" },
      }),
    );
    const { options } = await applied(file);
    expect(options.auth).toBe("alice:pw");
    expect(options.rejectUnauthorized).toBe(false);
  });

  it("merges a KUBECONFIG list as kubectl does: the first file to name an entry or a context wins", async () => {
    const dir = mkdtempSync(join(tmpdir(), "krt-kc-"));
    const first = kubeconfigFile(
      dir,
      "a",
      config({
        context: "shared",
        cluster: { server: "https://first" },
        user: { token: "one" },
        current: false,
      }),
    );
    const second = kubeconfigFile(
      dir,
      "b",
      config({ context: "shared", cluster: { server: "https://second" }, user: { token: "two" } }),
    );
    const { credentials, options } = await applied(undefined, {
      KUBECONFIG: [first, second].join(delimiter),
    });
    expect(credentials.server.host).toBe("first");
    expect(options.headers).toEqual({ Authorization: "Bearer one" });
  });

  it("takes --context over current-context, and names a context that does not exist", async () => {
    const dir = mkdtempSync(join(tmpdir(), "krt-kc-"));
    const doc = config({ context: "one", cluster: { server: "https://one" }, user: {} });
    doc.clusters.push({ name: "two", cluster: { server: "https://two" } });
    doc.contexts.push({ name: "two", context: { cluster: "two", user: "one", namespace: undefined } });
    const file = kubeconfigFile(dir, "config", doc);
    expect((await applied(file, {}, "two")).credentials.server.host).toBe("two");
    expect(() => loadCredentials({ kubeconfig: file, context: "three" }, {})).toThrow(
      'kubeconfig: context "three" not found',
    );
  });

  it("names the field of a malformed kubeconfig", () => {
    const dir = mkdtempSync(join(tmpdir(), "krt-kc-"));
    const file = kubeconfigFile(dir, "config", { clusters: [{ cluster: { server: "https://x" } }] });
    expect(() => loadCredentials({ kubeconfig: file }, {})).toThrow(
      `kubeconfig ${file}: clusters[0].name is missing`,
    );
  });

  it("hands exec plugins to client-node, loaded only then", async () => {
    const dir = mkdtempSync(join(tmpdir(), "krt-kc-"));
    const credential = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: "from-exec" },
    });
    const file = kubeconfigFile(
      dir,
      "config",
      config({
        context: "exec",
        cluster: { server: "https://exec.example" },
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: process.execPath,
            args: ["-e", `process.stdout.write(${JSON.stringify(credential)})`],
            interactiveMode: "Never",
          },
        },
      }),
    );
    const { options } = await applied(file);
    expect((options.headers as Record<string, string>).Authorization).toBe("Bearer from-exec");
  });
});

describe("inClusterCredentials", () => {
  it("reads the pod's service account and brackets an IPv6 service host", async () => {
    const dir = mkdtempSync(join(tmpdir(), "krt-sa-"));
    writeFileSync(join(dir, "token"), "pod-token");
    writeFileSync(join(dir, "ca.crt"), "POD-CA");
    writeFileSync(join(dir, "namespace"), "kruise-rollout");
    const credentials = inClusterCredentials(
      { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "6443" },
      dir,
    );
    const options: https.RequestOptions = {};
    await credentials.apply(options);
    expect(credentials.server.toString()).toBe("https://[fd00::1]:6443/");
    expect(credentials.namespace).toBe("kruise-rollout");
    expect(String(options.ca)).toBe("POD-CA");
    expect(options.headers).toEqual({ Authorization: "Bearer pod-token" });
  });
});
