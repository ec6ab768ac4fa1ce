// `npm run bench [-- --quick]`: throughput, step latency, cost and API requests of the
// controller on a local control plane with KWOK nodes. Prints a table and writes a
// JSON result file. A benchmark, not a test: nothing in `npm test` depends on its
// timings (the quick mode only keeps the benchmark itself working).
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { defaultClusterOptions, down, up } from "../../devcluster/cluster.js";
import { auditLogPath } from "../../devcluster/components.js";
import { installCrds, startController } from "../../devcluster/controller.js";
import { cacheRoot, clusterDir } from "../../devcluster/paths.js";
import { createFleet, deleteFleet, inBatches, release, waitAll } from "./fleet.js";
import { type BenchResult, type Figures, table } from "./report.js";
import { processCost, quantile, requestsByVerb } from "./stats.js";

const quick = process.argv.includes("--quick");
const sizes = quick ? [10] : [1, 100, 1000];
const fillerPods = quick ? 0 : 10_000;
const approvals = quick ? { rollouts: 5, steps: 2 } : { rollouts: 25, steps: 4 };
const ourAgent = "kruise-rollout-ts/";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rollout {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; lastUpdateTime?: string }[];
    canaryStatus?: { currentStepIndex?: number; currentStepState?: string };
  };
}

function rolloutsApi(kc: k8s.KubeConfig) {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const at = (namespace: string) => ({
    group: "rollouts.kruise.io",
    version: "v1beta1",
    namespace,
    plural: "rollouts",
    name: "web",
  });
  return {
    get: async (ns: string) => (await custom.getNamespacedCustomObject(at(ns))) as Rollout,
    approve: (ns: string) =>
      custom.patchNamespacedCustomObjectStatus(
        { ...at(ns), body: { status: { canaryStatus: { currentStepState: "StepReady" } } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      ),
  };
}

function succeededSince(r: Rollout, t0: number): boolean {
  const c = r.status?.conditions?.find((x) => x.type === "Succeeded");
  return (
    r.status?.phase === "Healthy" && c?.status === "True" && Date.parse(c.lastUpdateTime ?? "") >= t0 - 1000
  );
}

async function throughput(
  kc: k8s.KubeConfig,
  pid: number,
  audit: string,
  size: number,
  label: string,
): Promise<Figures> {
  const fleet = await createFleet(kc, `tp${size}${label}`, size, false);
  const api = rolloutsApi(kc);
  const before = processCost(pid);
  const t0 = Date.now();
  await release(kc, fleet, "web:v2");
  await waitAll(fleet.namespaces, async (ns) => succeededSince(await api.get(ns), t0), 30 * 60_000);
  const seconds = (Date.now() - t0) / 1000;
  await sleep(2000);
  const after = processCost(pid);
  const requests = requestsByVerb(audit, ourAgent, t0);
  const total = Object.values(requests).reduce((a, b) => a + b, 0);
  await deleteFleet(kc, fleet);
  const figures: Figures = {
    [`5-step canary, ${size} rollouts${label}: seconds`]: seconds,
    [`5-step canary, ${size} rollouts${label}: controller CPU seconds`]: after.cpuSeconds - before.cpuSeconds,
    [`5-step canary, ${size} rollouts${label}: controller peak RSS MiB`]: after.peakRssMiB,
    [`5-step canary, ${size} rollouts${label}: API requests per rollout`]: total / size,
  };
  for (const [verb, n] of Object.entries(requests))
    figures[`  … ${verb} per rollout (${size}${label})`] = n / size;
  return figures;
}

async function stepLatency(kc: k8s.KubeConfig): Promise<Figures> {
  const fleet = await createFleet(kc, "lat", approvals.rollouts, true, 10);
  const api = rolloutsApi(kc);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await release(kc, fleet, "web:v2");
  const samples: number[] = [];
  const canaryReplicas = async (ns: string) => {
    const list = await apps.listNamespacedDeployment({
      namespace: ns,
      labelSelector: "rollouts.kruise.io/canary-deployment=web",
    });
    return list.items[0]?.spec?.replicas ?? 0;
  };
  for (let step = 1; step <= approvals.steps; step++) {
    await waitAll(
      fleet.namespaces,
      async (ns) => {
        const s = (await api.get(ns)).status?.canaryStatus;
        return s?.currentStepIndex === step && s.currentStepState === "StepPaused";
      },
      10 * 60_000,
    );
    // One approval at a time: the latency of each is measured alone.
    await inBatches(fleet.namespaces, 1, async (ns) => {
      const before = await canaryReplicas(ns);
      const t0 = performance.now();
      await api.approve(ns);
      while ((await canaryReplicas(ns)) === before) {
        if (performance.now() - t0 > 60_000) throw new Error(`approval in ${ns} had no effect in 60 s`);
        await sleep(10);
      }
      samples.push(performance.now() - t0);
    });
  }
  await deleteFleet(kc, fleet);
  return {
    [`step latency p50 ms (${samples.length} approvals)`]: quantile(samples, 0.5),
    [`step latency p99 ms (${samples.length} approvals)`]: quantile(samples, 0.99),
  };
}

async function fill(kc: k8s.KubeConfig, pods: number): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: "bench-filler" } } }).catch(() => undefined);
  const labels = { app: "filler" };
  await apps.createNamespacedDeployment({
    namespace: "bench-filler",
    body: {
      metadata: { name: "filler" },
      spec: {
        replicas: pods,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: "f", image: "filler" }] } },
      },
    },
  });
  for (;;) {
    const d = await apps.readNamespacedDeployment({ namespace: "bench-filler", name: "filler" });
    if ((d.status?.readyReplicas ?? 0) >= pods) return;
    await sleep(2000);
  }
}

async function runOurs(): Promise<Figures> {
  const opts = {
    ...defaultClusterOptions,
    name: "bench",
    basePort: 29443,
    nodes: quick ? 5 : 50,
    podsPerNode: 250,
    audit: true,
  };
  await down(opts, true);
  const info = await up(opts);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const webhookPort = opts.basePort + 10;
  await installCrds(info.kubeconfig, `https://127.0.0.1:${webhookPort}/convert`);
  const controller = await startController({
    kubeconfig: info.kubeconfig,
    dir: join(tmpdir(), `krt-bench-${process.pid}`),
    webhookPort,
    healthPort: opts.basePort + 11,
    extraArgs: ["--kube-api-qps=100", "--kube-api-burst=200", "--log-level=warn"],
  });
  const pid = controller.child.pid as number;
  const audit = auditLogPath(clusterDir(opts.name));
  const figures: Figures = {};
  try {
    Object.assign(figures, await stepLatency(kc));
    for (const size of sizes) Object.assign(figures, await throughput(kc, pid, audit, size, ""));
    if (fillerPods > 0) {
      await fill(kc, fillerPods);
      for (const size of sizes)
        Object.assign(figures, await throughput(kc, pid, audit, size, ` + ${fillerPods} pods`));
    }
  } finally {
    await controller.stop();
    await down(opts, true);
  }
  return figures;
}

async function main(): Promise<void> {
  const result: BenchResult = {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    startedAt: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    controllers: { ours: await runOurs() },
  };
  const dir = join(cacheRoot, "bench");
  mkdirSync(dir, { recursive: true });
  const file =
    process.env.KRT_BENCH_OUT ?? join(dir, `${result.startedAt.replace(/[:.]/g, "-")}-${result.mode}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`machine: ${result.machine}\n`);
  console.log(table(result));
  console.log(`\nresult: ${file}`);
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
