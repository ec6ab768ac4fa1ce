// `npm run bench [-- --quick] [-- --sizes=1,100 --filler=10000 --filler-sizes=100 --latency=25x4 --controllers=ours,upstream]`:
// step latency, throughput, cost and API requests of our controller and of the upstream
// Go controller v0.6.2, one at a time on the same local control plane (KWOK nodes). Prints
// a table with the ratio ours/upstream and writes a JSON result file. A benchmark, not a
// test: nothing in `npm test` depends on its timings (the quick mode, ours only, just keeps
// the benchmark itself working).
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { defaultClusterOptions, down, up } from "../../devcluster/cluster.js";
import { auditLogPath } from "../../devcluster/components.js";
import type { RunningController } from "../../devcluster/controller.js";
import { cacheRoot, clusterDir } from "../../devcluster/paths.js";
import { ensureUpstreamRollouts } from "../../devcluster/upstream-rollouts.js";
import { type Contender, compileOurs, ours, upstream } from "./contenders.js";
import {
  createFleet,
  deleteFleet,
  inBatches,
  patience,
  type Rollout,
  release,
  waitRollouts,
} from "./fleet.js";
import { type BenchResult, type Figures, table } from "./report.js";
import { parseSettings, type Settings } from "./settings.js";
import { logOffset, processCost, quantile, requestsByVerb } from "./stats.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** One controller process during one measurement. */
interface Run {
  contender: Contender;
  pid: number;
  audit: string;
  /**
   * Keeps and saves figures as soon as they are measured: deleting a 1000-rollout fleet
   * afterwards takes minutes, and a stopped run should not lose what it measured.
   */
  record: (figures: Figures) => void;
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

async function throughput(kc: k8s.KubeConfig, run: Run, size: number, label: string): Promise<void> {
  const fleet = await createFleet(kc, `tp${size}-${run.contender.name}`, size, false);
  const before = processCost(run.pid);
  const offset = logOffset(run.audit);
  const t0 = Date.now();
  await release(kc, fleet, "web:v2");
  await waitRollouts(kc, fleet, (r) => succeededSince(r, t0), patience(size, 30));
  const seconds = (Date.now() - t0) / 1000;
  // Let the last requests of the run reach the audit log (batch mode).
  await sleep(3000);
  const after = processCost(run.pid);
  const requests = await requestsByVerb(run.audit, run.contender.owns, offset, t0);
  const total = Object.values(requests).reduce((a, b) => a + b, 0);
  const figures: Figures = {
    [`5-step canary, ${size} rollouts${label}: seconds`]: seconds,
    [`5-step canary, ${size} rollouts${label}: controller CPU seconds`]: after.cpuSeconds - before.cpuSeconds,
    [`5-step canary, ${size} rollouts${label}: controller peak RSS MiB`]: after.peakRssMiB,
    [`5-step canary, ${size} rollouts${label}: API requests per rollout`]: total / size,
  };
  for (const [verb, n] of Object.entries(requests).sort())
    figures[`  … ${verb} per rollout (${size}${label})`] = n / size;
  run.record(figures);
  await deleteFleet(kc, fleet);
}

async function stepLatency(kc: k8s.KubeConfig, run: Run, s: Settings): Promise<void> {
  const fleet = await createFleet(kc, `lat-${run.contender.name}`, s.latency.rollouts, true, 10);
  const api = rolloutsApi(kc);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await release(kc, fleet, "web:v2");
  const samples: number[] = [];
  let lost = 0;
  const canaryReplicas = async (ns: string) => {
    const list = await apps.listNamespacedDeployment({
      namespace: ns,
      labelSelector: "rollouts.kruise.io/canary-deployment=web",
    });
    return list.items[0]?.spec?.replicas ?? 0;
  };
  for (let step = 1; step <= s.latency.steps; step++) {
    await waitRollouts(
      kc,
      fleet,
      (r) =>
        r.status?.canaryStatus?.currentStepIndex === step &&
        r.status.canaryStatus.currentStepState === "StepPaused",
      10 * 60_000,
    );
    // One approval at a time: the latency of each is measured alone. A controller whose
    // in-flight reconcile writes StepPaused over the approval has lost it (the user's
    // `approve` did nothing): that is counted, and the approval sent again, timed afresh.
    await inBatches(fleet.namespaces, 1, async (ns) => {
      const before = await canaryReplicas(ns);
      let t0 = performance.now();
      await api.approve(ns);
      while ((await canaryReplicas(ns)) === before) {
        if (performance.now() - t0 > 60_000) throw new Error(`approval in ${ns} had no effect in 60 s`);
        const st = (await api.get(ns)).status?.canaryStatus;
        if (st?.currentStepIndex === step && st.currentStepState === "StepPaused") {
          lost++;
          t0 = performance.now();
          await api.approve(ns);
        }
        await sleep(10);
      }
      samples.push(performance.now() - t0);
    });
  }
  run.record({
    [`step latency p50 ms (${samples.length} approvals)`]: quantile(samples, 0.5),
    [`step latency p99 ms (${samples.length} approvals)`]: quantile(samples, 0.99),
    [`approvals lost and sent again (of ${samples.length})`]: lost,
  });
  await deleteFleet(kc, fleet);
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

/** The controller process of the measurement under way, to stop when the benchmark is stopped. */
let running: RunningController | undefined;

/** Runs `measure` once per controller, each on a fresh process that owns the API alone. */
async function eachController(
  contenders: Contender[],
  audit: string,
  what: string,
  measure: (run: Run) => Promise<void>,
  into: Record<string, Figures>,
  measured: () => void,
): Promise<void> {
  for (const contender of contenders) {
    log(`${contender.name}: ${what}`);
    const controller = await contender.start();
    running = controller;
    try {
      const record = (figures: Figures) => {
        into[contender.name] = { ...into[contender.name], ...figures };
        measured();
      };
      await measure({ contender, pid: controller.child.pid as number, audit, record });
    } catch (error) {
      // Said here: stopping may fail in turn (Rollouts left with finalizers) and hide it.
      log(
        `${contender.name}: ${what} failed: ${(error as Error).message}; controller log: ${controller.logFile}`,
      );
      throw error;
    } finally {
      await controller.stop();
    }
  }
}

/** Measures into `figures`, calling `measured` after each figure set (a long run saves as it goes). */
async function runAll(s: Settings, figures: Record<string, Figures>, measured: () => void): Promise<void> {
  // The builds come first: they fail fast and their CPU does not overlap a measurement.
  const binary = s.controllers.includes("upstream") ? ensureUpstreamRollouts() : "";
  const compiled = s.controllers.includes("ours") ? compileOurs() : undefined;
  const opts = {
    ...defaultClusterOptions,
    // A cluster of its own; KRT_BENCH_CLUSTER/KRT_BENCH_PORT_BASE move it (e.g. the smoke test
    // beside a running benchmark). Ports used: base+0..5 control plane, base+10..17 controllers.
    name: process.env.KRT_BENCH_CLUSTER ?? "bench",
    basePort: Number(process.env.KRT_BENCH_PORT_BASE ?? 29443),
    nodes: s.mode === "quick" ? 5 : 50,
    podsPerNode: 500,
    audit: true,
  };
  await down(opts, true);
  // Stopped from outside (a test's timeout, Ctrl-C): leave no cluster or build behind.
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => {
      log(`${signal}: taking the bench cluster down`);
      compiled?.remove();
      running?.child.kill("SIGKILL");
      void down(opts, true).finally(() => process.exit(1));
    });
  const info = await up(opts);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const workDir = join(tmpdir(), `krt-bench-${process.pid}`);
  const ports = { base: opts.basePort + 10 };
  const contenders = s.controllers.map((name) =>
    name === "ours"
      ? ours(info.kubeconfig, workDir, ports, compiled?.entry ?? [])
      : upstream(info.kubeconfig, workDir, ports, binary),
  );
  const audit = auditLogPath(clusterDir(opts.name));
  const each = (what: string, measure: (run: Run) => Promise<void>) =>
    eachController(contenders, audit, what, measure, figures, measured);
  try {
    if (s.latency.rollouts > 0) await each("step latency", (run) => stepLatency(kc, run, s));
    for (const size of s.sizes) await each(`${size} rollouts`, (run) => throughput(kc, run, size, ""));
    if (s.fillerPods > 0) {
      log(`adding ${s.fillerPods} filler pods`);
      await fill(kc, s.fillerPods);
      const label = ` + ${s.fillerPods} pods`;
      for (const size of s.fillerSizes)
        await each(`${size} rollouts${label}`, (run) => throughput(kc, run, size, label));
    }
  } finally {
    await down(opts, true);
    compiled?.remove();
  }
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const load = () => loadavg().map((l) => Number(l.toFixed(2)));
  const result: BenchResult = {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    startedAt: new Date().toISOString(),
    mode: settings.mode,
    settings,
    loadAverage: { atStart: load(), atEnd: [] },
    controllers: {},
  };
  const dir = join(cacheRoot, "bench");
  mkdirSync(dir, { recursive: true });
  const file =
    process.env.KRT_BENCH_OUT ?? join(dir, `${result.startedAt.replace(/[:.]/g, "-")}-${result.mode}.json`);
  const save = () => {
    result.loadAverage.atEnd = load();
    writeFileSync(file, JSON.stringify(result, null, 2));
  };
  await runAll(settings, result.controllers, save);
  save();
  console.log(`machine: ${result.machine}`);
  console.log(
    `load average (1/5/15 min): ${result.loadAverage.atStart.join(" ")} at start, ${result.loadAverage.atEnd.join(" ")} at end\n`,
  );
  console.log(table(result));
  console.log(`\nresult: ${file}`);
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
