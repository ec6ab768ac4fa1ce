import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningController } from "../../src/devcluster/controller.js";
import { createNamespace, deleteNamespace, eventually } from "./support/cluster.js";
import { type FaultCluster, faultCluster, printLogsOnFailure, sleep } from "./support/faults.js";
import { Exporter, type RunningPrometheus, scraped, startPrometheus } from "./support/prometheus.js";
import { type RolloutObject, readRollout, waitForPhase } from "./support/rollouts.js";
import { Api, type Obj } from "./support/traffic.js";
import { deployment, imageOf } from "./support/workloads.js";

// Issue 11 extended to analysis: faults in the middle of a metric analysis, on a control plane of
// its own (cluster faults-ana, ports 29043-29142) with controllers this file starts and kills.
// - kill -9 while a measurement is in flight: it is taken again, counted once;
// - kill -9 at every analysis transition (run started, each measurement recorded): the run goes
//   on where it was, no step skipped or repeated, and the result is the one it would have had;
// - Prometheus stopped mid-analysis: errors are retried up to consecutiveErrorLimit, then count as
//   the noData policy says; restarted in time, the run resumes and succeeds.

const k = 6;
const base = 28443 + 100 * k;
const promPort = base + 90;
const exporterPort = base + 91;

let fc: FaultCluster;
printLogsOnFailure(() => fc);
let controller: RunningController;
let prometheus: RunningPrometheus | undefined;
const exporter = new Exporter(exporterPort);
const namespaces: string[] = [];

beforeAll(async () => {
  fc = await faultCluster("ana", k);
  controller = await fc.startController();
  exporter.set("healthy", 0.01);
  exporter.set("erroring", 0.5);
  await exporter.start();
  prometheus = await startPrometheus(promPort, `127.0.0.1:${exporterPort}`);
  for (const s of ["healthy", "erroring"]) await scraped(prometheus.url, s);
}, 900_000);

afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(fc.cluster, ns).catch(() => undefined);
  await prometheus?.stop();
  await exporter.stop();
  await fc?.stop();
}, 300_000);

async function restartController(): Promise<void> {
  await fc.kill(controller);
  controller = await fc.startController();
}

async function namespace(prefix: string): Promise<Api> {
  const ns = await createNamespace(fc.cluster, prefix);
  namespaces.push(ns);
  return new Api(fc.raw, ns);
}

interface MetricOptions {
  count: number;
  interval?: string;
  failureLimit?: number;
  consecutiveErrorLimit?: number;
  noData?: string;
}

function prometheusTemplate(name: string, scenario: string, o: MetricOptions): Obj {
  return {
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name },
    spec: {
      metrics: [
        {
          name: "error-rate",
          provider: {
            prometheus: {
              address: `http://127.0.0.1:${promPort}`,
              query: `demo_error_ratio{scenario="${scenario}"}`,
              timeout: "2s",
            },
          },
          successCondition: "result < 0.05",
          failureCondition: "result > 0.1",
          ...o,
        },
      ],
    },
  };
}

/** A Deployment of 2 pods; step 1 (1 pod) is analysed with `templateName`, then 100%. */
async function analysed(api: Api, name: string, templateObj: Obj): Promise<void> {
  await api.create(templateObj);
  await api.create(deployment(api.namespace, name, 2, "app:v1") as Obj);
  await api.create({
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: { name },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      strategy: {
        canary: {
          steps: [
            { replicas: 1, analysis: { templates: [{ templateName: templateObj.metadata.name }] } },
            { replicas: "100%" },
          ],
        },
      },
    },
  });
  await waitForPhase(fc.cluster, api.namespace, name, "Healthy");
}

const release = (api: Api, name: string) =>
  api.client.request({
    method: "PATCH",
    path: `/apis/apps/v1/namespaces/${api.namespace}/deployments/${name}`,
    contentType: "application/strategic-merge-patch+json",
    body: { spec: { template: { spec: { containers: [{ name: "main", image: "app:v2" }] } } } },
  });

const condition = (r: RolloutObject, type: string) =>
  r.status?.conditions?.find((c) => c.type === type) as
    | { status: string; reason?: string; message?: string }
    | undefined;
const stepRun = (r: RolloutObject) => (r.status as Obj | undefined)?.analysis?.step;
const completed = (r: RolloutObject) =>
  condition(r, "Succeeded")?.status === "True" && r.status?.phase === "Healthy";
const aborted = (r: RolloutObject) =>
  condition(r, "Succeeded")?.reason === "Aborted" && r.status?.phase === "Healthy";

async function podsOn(api: Api, name: string, image: string): Promise<boolean> {
  const pods = await api.list("v1", "Pod", `app=${name}`);
  return pods.length === 2 && pods.every((p) => imageOf(p) === image);
}

describe("analysis under faults", () => {
  it("kill -9 while a measurement is in flight: it is taken again and counted once", async () => {
    // A web endpoint that holds every request until the test answers it.
    const held: ServerResponse[] = [];
    let requests = 0;
    const server: Server = createServer((_req, res) => {
      requests += 1;
      held.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rate`;
    try {
      const api = await namespace("an-kill-flight");
      await analysed(api, "flight", {
        apiVersion: "rollouts.kruise.io/v1alpha1",
        kind: "AnalysisTemplate",
        metadata: { name: "flight" },
        spec: {
          metrics: [
            {
              name: "error-rate",
              provider: { web: { url, jsonPath: "$.errorRate", timeout: "30m" } },
              successCondition: "result < 0.1",
              failureCondition: "result >= 0.1",
            },
          ],
        },
      });
      await release(api, "flight");
      await eventually("the measurement in flight", async () => held.length === 1, 120_000);
      const before = stepRun(await readRollout(fc.cluster, api.namespace, "flight"));
      expect(before).toMatchObject({ phase: "Running", stepIndex: 1 });

      await restartController();
      // The killed controller's request is gone with it; the new one measures the same slot again.
      await eventually("measured again after the restart", async () => requests === 2, 120_000);
      for (const res of held.splice(0)) {
        if (!res.destroyed) {
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ errorRate: 0.01 }));
        }
      }
      const done = await eventually(
        "flight completed",
        async () => {
          const r = await readRollout(fc.cluster, api.namespace, "flight");
          return completed(r) ? r : undefined;
        },
        180_000,
      );
      const run = stepRun(done);
      expect(run.startedAt).toBe(before.startedAt);
      expect(run.metrics[0]).toMatchObject({
        phase: "Successful",
        successful: 1,
        failed: 0,
        inconclusive: 0,
      });
      expect(run.metrics[0].measurements).toHaveLength(1);
      expect(await podsOn(api, "flight", "app:v2")).toBe(true);
      expect(requests).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("kill -9 at every analysis transition: the run continues and ends as it would have", {
    timeout: 1_200_000,
  }, async () => {
    const api = await namespace("an-kill-steps");
    // Healthy: 3 measurements 2 s apart, then the release goes on by itself.
    await analysed(api, "ok", prometheusTemplate("ok", "healthy", { count: 3, interval: "2s" }));
    // Failing: one failure tolerated, so it takes exactly two failed measurements to abort.
    await analysed(
      api,
      "bad",
      prometheusTemplate("bad", "erroring", { count: 3, interval: "2s", failureLimit: 1 }),
    );
    await release(api, "ok");
    await release(api, "bad");

    const last = new Map<string, string>();
    const startedAt = new Map<string, string>();
    const indices = new Map<string, number[]>();
    const transitions: string[] = [];
    let kills = 0;
    const deadline = Date.now() + 1_000_000;
    const finished = new Set<string>();
    while (finished.size < 2) {
      expect(Date.now(), `stuck after ${transitions.join(" → ")}`).toBeLessThan(deadline);
      let changed = false;
      for (const name of ["ok", "bad"]) {
        if (finished.has(name)) continue;
        const r = await readRollout(fc.cluster, api.namespace, name);
        if (completed(r) || aborted(r)) {
          finished.add(name);
          continue;
        }
        const c = r.status?.canaryStatus;
        const run = stepRun(r);
        if (r.status?.phase !== "Progressing" || !c) continue;
        // No step skipped or repeated: the index only ever goes up by one.
        // The release starts at step 1; until then the status can still show the last step of the
        // Rollout's first (Healthy) pass, which is not a step of this release.
        const seen = indices.get(name) ?? [];
        if (seen.length > 0 || c.currentStepIndex === 1) {
          if (seen.at(-1) !== c.currentStepIndex) seen.push(c.currentStepIndex);
        }
        indices.set(name, seen);
        if (!run || c.currentStepState !== "StepMetricsAnalysis") continue;
        // One run throughout: a restart continues it rather than starting another.
        if (!startedAt.has(name)) startedAt.set(name, run.startedAt);
        expect(run.startedAt).toBe(startedAt.get(name));
        const m = run.metrics[0];
        const key = `${run.phase} ${m?.successful ?? 0}/${m?.failed ?? 0}`;
        if (last.get(name) !== key && run.phase === "Running") {
          last.set(name, key);
          transitions.push(`${name}: ${key}`);
          changed = true;
        }
      }
      if (changed) {
        kills += 1;
        await restartController();
      } else {
        await sleep(100);
      }
    }
    console.log(`[analysis faults] ${kills} kills at analysis transitions: ${transitions.join(" → ")}`);
    // The two runs measure almost in step, so one poll can see both move and one kill then covers
    // two transitions. What every schedule shows: "ok" after its 1st and 2nd measurements and
    // "bad" after its 1st (the runs' 0/0 states can pass between polls).
    expect(transitions.length).toBeGreaterThanOrEqual(3);
    for (const name of ["ok", "bad"]) expect(transitions.some((t) => t.startsWith(`${name}:`))).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(2);

    const ok = await readRollout(fc.cluster, api.namespace, "ok");
    expect(completed(ok)).toBe(true);
    expect(stepRun(ok).metrics[0]).toMatchObject({ phase: "Successful", successful: 3, failed: 0 });
    expect(indices.get("ok")?.[0]).toBe(1);
    for (const list of indices.values()) {
      for (let i = 1; i < list.length; i++) expect(list[i]).toBe((list[i - 1] ?? 0) + 1);
    }
    await eventually("ok: every pod on v2", () => podsOn(api, "ok", "app:v2"), 120_000);

    const bad = await readRollout(fc.cluster, api.namespace, "bad");
    expect(aborted(bad)).toBe(true);
    expect(stepRun(bad)).toMatchObject({
      phase: "Failed",
      decidedBy: { metric: "error-rate", value: "0.5" },
    });
    expect(stepRun(bad).metrics[0]).toMatchObject({ successful: 0, failed: 2 });
    expect(indices.get("bad")).toEqual([1]);
    await eventually("bad: every pod back on v1", () => podsOn(api, "bad", "app:v1"), 120_000);
  });

  it("Prometheus stopped mid-analysis: retried within the error limit and resumed, or counted as the policy says", {
    timeout: 900_000,
  }, async () => {
    const api = await namespace("an-prom-down");
    // Resumes: retries errors and no data (the restarted Prometheus has not scraped yet) many times.
    await analysed(
      api,
      "resumes",
      prometheusTemplate("resumes", "healthy", {
        count: 3,
        interval: "1s",
        noData: "retry",
        consecutiveErrorLimit: 60,
      }),
    );
    // Fails: two errors in a row count as a failure (noData: fail).
    await analysed(
      api,
      "fails",
      prometheusTemplate("fails", "healthy", {
        count: 30,
        interval: "1s",
        noData: "fail",
        consecutiveErrorLimit: 2,
      }),
    );
    await release(api, "resumes");
    await release(api, "fails");
    await eventually(
      "both runs measured once",
      async () => {
        for (const name of ["resumes", "fails"]) {
          const run = stepRun(await readRollout(fc.cluster, api.namespace, name));
          if (!(run?.metrics?.[0]?.successful >= 1)) return false;
        }
        return true;
      },
      180_000,
    );
    await prometheus?.stop();
    prometheus = undefined;

    const failed = await eventually(
      "fails aborted",
      async () => {
        const r = await readRollout(fc.cluster, api.namespace, "fails");
        return aborted(r) ? r : undefined;
      },
      180_000,
    );
    expect(condition(failed, "Succeeded")?.message).toContain("unreachable");
    expect(condition(failed, "Succeeded")?.message).toContain("noData policy fail");
    const waiting = await eventually(
      "resumes retrying",
      async () => {
        const r = await readRollout(fc.cluster, api.namespace, "resumes");
        const m = stepRun(r)?.metrics?.[0];
        return m?.consecutiveUncounted >= 1 ? r : undefined;
      },
      120_000,
    );
    expect(stepRun(waiting).phase).toBe("Running");
    expect(stepRun(waiting).metrics[0].measurements.at(-1)).toMatchObject({ phase: "Error" });
    expect(stepRun(waiting).metrics[0].measurements.at(-1).message).toContain("unreachable");

    prometheus = await startPrometheus(promPort, `127.0.0.1:${exporterPort}`);
    const done = await eventually(
      "resumes completed",
      async () => {
        const r = await readRollout(fc.cluster, api.namespace, "resumes");
        return completed(r) ? r : undefined;
      },
      180_000,
    );
    const m = stepRun(done).metrics[0];
    expect(m).toMatchObject({ phase: "Successful", successful: 3, failed: 0, inconclusive: 0 });
    await eventually("fails: every pod back on v1", () => podsOn(api, "fails", "app:v1"), 120_000);
  });
});
