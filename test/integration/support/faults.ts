// Helpers of the reliability tests (test/integration/reliability-*.test.ts). These tests kill and
// restart controllers and the apiserver, so each file runs on a control plane of its own (never
// the global setup's) and starts and kills its own controller processes.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { beforeEach } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { type ClusterOptions, defaultClusterOptions, down, up } from "../../../src/devcluster/cluster.js";
import { installCrds, type RunningController, startController } from "../../../src/devcluster/controller.js";
import { ephemeralClash, ephemeralPortRange } from "../../../src/devcluster/ephemeral.js";
import { isAlreadyExists } from "../../../src/kube/api-error.js";
import { createKubeClient, type KubeClient } from "../../../src/kube/client.js";
import { customResourceDefinitions, resourcePath } from "../../../src/kube/resource.js";
import { eventually, sharedDir, type TestCluster } from "./cluster.js";

export interface FaultCluster {
  opts: ClusterOptions;
  kubeconfig: string;
  cluster: TestCluster;
  raw: KubeClient;
  /** Starts one more controller process on ports of its own; `extraArgs` are appended. */
  startController(extraArgs?: string[], kubeconfig?: string): Promise<RunningController>;
  /** Every controller started here, for the teardown. */
  controllers: RunningController[];
  /** kill -9, and wait until the process is gone. */
  kill(controller: RunningController): Promise<void>;
  stop(): Promise<void>;
}

export function connectTo(kubeconfig: string): TestCluster {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    kc,
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
  };
}

const quietLog = (line: string) => {
  if (process.env.KRT_FAULTS_VERBOSE) console.error(`[faults] ${line}`);
};

/**
 * `up` a control plane named `faults-<name>` on ports 28443 + 100·k, install our CRDs (conversion
 * pointed at the controllers' shared webhook port), and hand out controllers on ports
 * base+20, base+22, … Each controller is started with the same certificate directory, so any of
 * them can answer the webhooks published by another.
 */
export async function faultCluster(
  name: string,
  k: number,
  extra: Partial<ClusterOptions> = {},
): Promise<FaultCluster> {
  const opts: ClusterOptions = {
    ...defaultClusterOptions,
    ...extra,
    name: `faults-${name}`,
    basePort: 28443 + 100 * k,
    nodes: 5,
    log: quietLog,
  };
  // The controllers, Prometheus and exporters of these tests take the rest of the block of 100.
  const clash = ephemeralClash(
    { lo: opts.basePort, hi: opts.basePort + 99 },
    ephemeralPortRange(),
    opts.name,
  );
  if (clash) console.warn(`[faults] warning: ${clash}`);
  // Always from scratch: a run killed earlier can leave this cluster's data behind.
  await down(opts);
  const info = await up(opts);
  const dir = mkdtempSync(join(tmpdir(), `krt-faults-${name}-`));
  const controllers: RunningController[] = [];
  let next = 0;
  // One webhook port per controller; every controller publishes its own URL and CA when it starts.
  await installCrds(info.kubeconfig, `https://127.0.0.1:${opts.basePort + 20}/convert`);
  // The controllers' own namespace (--namespace, the leader-election Lease).
  await createKubeClient({ kubeconfig: info.kubeconfig })
    .request({ method: "POST", path: "/api/v1/namespaces", body: { metadata: { name: "kruise-rollout" } } })
    .catch((error: unknown) => {
      if (!isAlreadyExists(error)) throw error;
    });
  const fc: FaultCluster = {
    opts,
    kubeconfig: info.kubeconfig,
    cluster: connectTo(info.kubeconfig),
    raw: createKubeClient({ kubeconfig: info.kubeconfig, qps: 500, burst: 1000 }),
    controllers,
    async startController(extraArgs = [], kubeconfig = info.kubeconfig) {
      const slot = next++ % 20;
      const controller = await startController({
        kubeconfig,
        dir: join(dir, `c${next}`),
        webhookPort: opts.basePort + 20 + 2 * slot,
        healthPort: opts.basePort + 21 + 2 * slot,
        extraArgs: ["--kube-api-qps=200", "--kube-api-burst=400", "--log-level=debug", ...extraArgs],
      });
      controllers.push(controller);
      return controller;
    },
    async kill(controller) {
      if (controller.child.exitCode !== null || controller.child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => controller.child.once("exit", () => resolve()));
      controller.child.kill("SIGKILL");
      await gone;
    },
    async stop() {
      for (const c of controllers) await fc.kill(c);
      await down(opts);
    },
  };
  return fc;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * For the calling test file: when a test fails, print the end of the log of each controller that
 * ran during it, since a CI machine's temporary files are gone by the time anyone reads its output.
 */
export function printLogsOnFailure(get: () => FaultCluster | undefined, lines = 80): void {
  beforeEach(({ onTestFailed }) => {
    const from = get()?.controllers.length ?? 0;
    onTestFailed(() => {
      const controllers = get()?.controllers ?? [];
      const ran = controllers.filter((c, i) => i >= from || c.child.exitCode === null);
      for (const c of ran) {
        let text: string;
        try {
          text = readFileSync(c.logFile, "utf8");
        } catch {
          continue;
        }
        const tail = text.trimEnd().split("\n").slice(-lines).join("\n");
        console.error(`--- pid ${c.child.pid}: last ${lines} lines of ${c.logFile}\n${tail}\n---`);
      }
    });
  });
}

/**
 * A kubeconfig (written to a temporary file) that authenticates as ServiceAccount
 * `kruise-rollout/<name>` with a one-hour TokenRequest token, against the fault cluster's apiserver.
 */
export async function serviceAccountKubeconfig(fc: FaultCluster, name: string): Promise<string> {
  const token = await fc.raw.request<{ status: { token: string } }>({
    method: "POST",
    path: `/api/v1/namespaces/kruise-rollout/serviceaccounts/${name}/token`,
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  const admin = parse(readFileSync(fc.kubeconfig, "utf8")) as { clusters: { name: string }[] };
  const file = join(mkdtempSync(join(tmpdir(), `krt-sa-${name}-`)), "kubeconfig.yaml");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: admin.clusters,
    users: [{ name, user: { token: token.status.token } }],
    contexts: [{ name: "sa", context: { cluster: admin.clusters[0]?.name, user: name } }],
    "current-context": "sa",
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/** Server-side applies the CRDs of ../shared/crds/<dir> as raw JSON and waits until they are Established. */
export async function installSharedCrds(raw: KubeClient, dir: string): Promise<void> {
  const root = join(sharedDir, "crds", dir);
  const names: string[] = [];
  for (const file of readdirSync(root).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(readFileSync(join(root, file), "utf8"))) {
      const crd = doc.toJS() as { kind?: string; metadata: { name: string } } | null;
      if (crd?.kind !== "CustomResourceDefinition") continue;
      await raw.request({
        method: "PATCH",
        path: resourcePath(customResourceDefinitions, { name: crd.metadata.name }),
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: "kruise-rollout-tests", force: true },
        body: crd,
      });
      names.push(crd.metadata.name);
    }
  }
  for (const name of names) {
    await eventually(`CRD ${name} established`, async () => {
      const live = await raw.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
        method: "GET",
        path: resourcePath(customResourceDefinitions, { name }),
      });
      return live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    });
  }
}
