import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseContext, deploymentOutput } from "../unit/definitions/components.js";
import { renderTrait } from "../unit/definitions/trait.js";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { Exporter, type RunningPrometheus, scraped, startPrometheus } from "./support/prometheus.js";
import { approve, type RolloutObject, readRollout, waitForPhase, waitForStep } from "./support/rollouts.js";
import {
  Api,
  createEchoserver,
  isReady,
  type Obj,
  oneFixture,
  rawClient,
  rolloutV1beta1,
  setImage,
  v1Image,
  v2Image,
} from "./support/traffic.js";
import { deployment } from "./support/workloads.js";

// Metric analysis end to end (issue 7): a real Prometheus from Debian's package scrapes an exporter
// this file controls; each scenario is a Rollout whose step analysis queries it. Ports sit above
// the cluster's (KRT_TEST_PORT_BASE + 0…11), so concurrent runs with other bases do not collide.

const base = Number(process.env.KRT_TEST_PORT_BASE ?? 17443);
const promPort = base + 20;
const exporterPort = base + 21;
const unreachable = `http://127.0.0.1:${base + 22}`;

let cluster: TestCluster;
let prometheus: RunningPrometheus;
const exporter = new Exporter(exporterPort);
const raw = rawClient();
const namespaces: string[] = [];

beforeAll(async () => {
  cluster = connect();
  exporter.set("healthy", 0.01);
  exporter.set("erroring", 0.5);
  exporter.set("borderline", 0.07);
  exporter.set("turns-bad", 0.01);
  await exporter.start();
  prometheus = await startPrometheus(promPort, `127.0.0.1:${exporterPort}`);
  for (const s of ["healthy", "erroring", "borderline", "turns-bad"]) await scraped(prometheus.url, s);
}, 900_000);

afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
  await prometheus?.stop();
  await exporter.stop();
});

async function namespace(prefix: string): Promise<Api> {
  const ns = await createNamespace(cluster, prefix);
  namespaces.push(ns);
  return new Api(raw, ns);
}

interface TemplateOptions {
  address?: string;
  noData?: "pass" | "fail" | "inconclusive" | "retry";
  consecutiveErrorLimit?: number;
  /** Default 2; 0 runs a background analysis until the last step. */
  count?: number;
}

/** error-rate < 5% succeeds, > 10% fails, in between is inconclusive; two measurements 1 s apart. */
function template(name: string, o: TemplateOptions = {}): Obj {
  return {
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name },
    spec: {
      args: [{ name: "scenario" }],
      metrics: [
        {
          name: "error-rate",
          provider: {
            prometheus: {
              address: o.address ?? prometheus.url,
              query: 'demo_error_ratio{scenario="{{args.scenario}}"}',
              timeout: "2s",
            },
          },
          successCondition: "result < 0.05",
          failureCondition: "result > 0.1",
          interval: "1s",
          count: o.count ?? 2,
          ...(o.noData && { noData: o.noData }),
          ...(o.consecutiveErrorLimit && { consecutiveErrorLimit: o.consecutiveErrorLimit }),
        },
      ],
    },
  };
}

const analysis = (templateName: string, scenario: string) => ({
  templates: [{ templateName }],
  args: [{ name: "scenario", value: scenario }],
});

async function events(api: Api, rollout: string): Promise<Obj[]> {
  return (await api.list("v1", "Event")).filter((e) => e.involvedObject?.name === rollout);
}

const condition = (r: RolloutObject, type: string) =>
  r.status?.conditions?.find((c) => c.type === type) as
    | { status: string; reason?: string; message?: string }
    | undefined;

/** A partition-style Deployment of 2 pods with a two-step Rollout whose first step is analysed. */
async function plainScenario(api: Api, name: string, templateObj: Obj, scenario: string, extra: Obj = {}) {
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
            { replicas: 1, analysis: analysis(templateObj.metadata.name, scenario) },
            { replicas: "100%" },
          ],
          ...extra,
        },
      },
    },
  });
  await waitForPhase(cluster, api.namespace, name, "Healthy");
  await eventually(`${name} pods Ready`, async () => {
    const pods = await api.list("v1", "Pod", `app=${name}`);
    return pods.length === 2 && pods.every(isReady);
  });
}

async function release(api: Api, name: string): Promise<void> {
  await setImage(api, name, "app:v2");
}

async function expectAborted(api: Api, name: string, ...mentions: string[]): Promise<RolloutObject> {
  const done = await eventually(
    `${name} aborted`,
    async () => {
      const r = await readRollout(cluster, api.namespace, name);
      return condition(r, "Succeeded")?.reason === "Aborted" && r.status?.phase === "Healthy" ? r : undefined;
    },
    120_000,
  );
  const succeeded = condition(done, "Succeeded");
  expect(succeeded?.status).toBe("False");
  for (const m of mentions) expect(succeeded?.message).toContain(m);
  // The workload is back on the stable template, every pod on it.
  await eventually(`${name} back on v1`, async () => {
    const d = await api.mustGet("apps/v1", "Deployment", name);
    const pods = await api.list("v1", "Pod", `app=${name}`);
    return (
      d.spec.template.spec.containers[0].image === "app:v1" &&
      pods.length === 2 &&
      pods.every((p) => p.spec.containers[0].image === "app:v1" && isReady(p))
    );
  });
  return done;
}

describe("metric analysis on Prometheus", () => {
  it("advances on healthy metrics without approval (placeholder {{rollout.name}} as the argument)", async () => {
    const api = await namespace("an-ok");
    await createEchoserver(api, 3);
    await api.create(oneFixture("rollout/nginx_ingress.yaml"));
    await api.create(template("error-rate"));
    await api.create(
      rolloutV1beta1("healthy", {
        enableExtraWorkloadForCanary: true,
        steps: [
          { traffic: "20%", replicas: 1, analysis: analysis("error-rate", "{{rollout.name}}") },
          { replicas: "100%" },
        ],
        trafficRoutings: [
          {
            service: "echoserver",
            ingress: { classType: "nginx", name: "echoserver" },
            gracePeriodSeconds: 1,
          },
        ],
      }),
    );
    await waitForPhase(cluster, api.namespace, "healthy", "Healthy");
    await setImage(api, "echoserver", v2Image);
    const analysing = await waitForStep(cluster, api.namespace, "healthy", 1, "StepMetricsAnalysis");
    expect(analysing.status?.message).toContain("analys");
    const done = await eventually(
      "healthy completed",
      async () => {
        const r = await readRollout(cluster, api.namespace, "healthy");
        return condition(r, "Succeeded")?.status === "True" && r.status?.phase === "Healthy" ? r : undefined;
      },
      120_000,
    );
    const run = (done.status as Obj).analysis?.step;
    expect(run).toMatchObject({ phase: "Successful", stepIndex: 1 });
    expect(run.metrics[0]).toMatchObject({ name: "error-rate", successful: 2, failed: 0 });
    expect(run.metrics[0].measurements.at(-1).value).toBe("0.01");
    await eventually("AnalysisSuccessful event", async () =>
      (await events(api, "healthy")).some((e) => e.reason === "AnalysisSuccessful"),
    );
    const pods = await api.list("v1", "Pod", "app=echoserver");
    expect(pods.every((p) => p.spec.containers[0].image === v2Image)).toBe(true);
  });

  it("aborts on a failing metric: traffic back to stable first, then the workload rolled back", async () => {
    const api = await namespace("an-fail");
    await createEchoserver(api, 3);
    await api.create(oneFixture("rollout/nginx_ingress.yaml"));
    await api.create(template("error-rate"));
    await api.create(
      rolloutV1beta1("erroring", {
        enableExtraWorkloadForCanary: true,
        steps: [
          { traffic: "20%", replicas: 1, analysis: analysis("error-rate", "erroring") },
          { replicas: "100%" },
        ],
        trafficRoutings: [
          {
            service: "echoserver",
            ingress: { classType: "nginx", name: "echoserver" },
            gracePeriodSeconds: 1,
          },
        ],
      }),
    );
    await waitForPhase(cluster, api.namespace, "erroring", "Healthy");
    await setImage(api, "echoserver", v2Image);
    await eventually(
      "canary Ingress",
      async () => (await api.get("networking.k8s.io/v1", "Ingress", "echoserver-canary")) !== undefined,
      90_000,
    );
    // Poll the order in which traffic and the workload go back.
    const seen: { ingressGone?: number; templateBack?: number } = {};
    const until = Date.now() + 120_000;
    while ((!seen.ingressGone || !seen.templateBack) && Date.now() < until) {
      const [ingress, d] = await Promise.all([
        api.get("networking.k8s.io/v1", "Ingress", "echoserver-canary"),
        api.mustGet("apps/v1", "Deployment", "echoserver"),
      ]);
      if (!ingress && !seen.ingressGone) seen.ingressGone = Date.now();
      if (d.spec.template.spec.containers[0].image === v1Image && !seen.templateBack)
        seen.templateBack = Date.now();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen.ingressGone).toBeDefined();
    expect(seen.templateBack).toBeDefined();
    expect(seen.ingressGone).toBeLessThan(seen.templateBack ?? 0);

    const done = await eventually(
      "erroring aborted",
      async () => {
        const r = await readRollout(cluster, api.namespace, "erroring");
        return condition(r, "Succeeded")?.reason === "Aborted" && r.status?.phase === "Healthy"
          ? r
          : undefined;
      },
      120_000,
    );
    expect(condition(done, "Succeeded")?.message).toContain('metric "error-rate" failed with value 0.5');
    expect((done.status as Obj).analysis.step).toMatchObject({
      phase: "Failed",
      decidedBy: { metric: "error-rate", value: "0.5" },
    });
    const failed = await eventually("AnalysisFailed event", async () =>
      (await events(api, "erroring")).find((e) => e.reason === "AnalysisFailed"),
    );
    expect(failed.message).toContain('metric "error-rate" failed with value 0.5');
    await eventually("every pod on v1 and the canary gone", async () => {
      const pods = await api.list("v1", "Pod", "app=echoserver");
      const deployments = await api.list("apps/v1", "Deployment");
      return (
        deployments.length === 1 &&
        pods.length === 3 &&
        pods.every((p) => p.spec.containers[0].image === v1Image && isReady(p))
      );
    });
    expect(await api.get("v1", "Service", "echoserver-canary")).toBeUndefined();
  });

  it("follows each noData policy, pauses when inconclusive, and says when Prometheus cannot be reached", async () => {
    const api = await namespace("an-policies");
    const cases = {
      "nodata-pass": template("nodata-pass", { noData: "pass" }),
      "nodata-fail": template("nodata-fail", { noData: "fail" }),
      "nodata-inconclusive": template("nodata-inconclusive", { noData: "inconclusive" }),
      "nodata-retry": template("nodata-retry", { noData: "retry", consecutiveErrorLimit: 2 }),
      borderline: template("borderline"),
      "down-inconclusive": template("down-inconclusive", { address: unreachable, consecutiveErrorLimit: 2 }),
      "down-fail": template("down-fail", { address: unreachable, noData: "fail", consecutiveErrorLimit: 2 }),
    };
    const scenarioOf = (name: string) => (name === "borderline" ? "borderline" : "absent");
    await Promise.all(
      Object.entries(cases).map(([name, t]) => plainScenario(api, name, t, scenarioOf(name))),
    );
    await Promise.all(Object.keys(cases).map((name) => release(api, name)));

    const paused = async (name: string, ...mentions: string[]) => {
      const r = await waitForStep(cluster, api.namespace, name, 1, "StepPaused", 120_000);
      expect(r.status?.message).toContain("inconclusive");
      for (const m of mentions) expect(r.status?.message).toContain(m);
      // Events are written after the status, best effort.
      await eventually(`${name} AnalysisInconclusive event`, async () =>
        (await events(api, name)).some((e) => e.reason === "AnalysisInconclusive"),
      );
      return r;
    };
    await Promise.all([
      // pass: no data counts as success, the rollout completes by itself.
      eventually(
        "nodata-pass completed",
        async () => {
          const r = await readRollout(cluster, api.namespace, "nodata-pass");
          return condition(r, "Succeeded")?.status === "True";
        },
        120_000,
      ),
      expectAborted(api, "nodata-fail", "error-rate", "no data"),
      paused("nodata-inconclusive", "no data"),
      paused("nodata-retry", "2 consecutive times"),
      paused("borderline", "0.07"),
      paused("down-inconclusive", "unreachable"),
      expectAborted(api, "down-fail", "unreachable"),
    ]);
    const retried = (await readRollout(cluster, api.namespace, "nodata-retry")).status as Obj;
    expect(retried.analysis.step.metrics[0].measurements.map((m: Obj) => m.phase)).toEqual([
      "NoData",
      "Inconclusive",
    ]);

    // An inconclusive pause is a person's call: approving moves on.
    await approve(cluster, api.namespace, "borderline");
    await eventually(
      "borderline completed after approval",
      async () => {
        const r = await readRollout(cluster, api.namespace, "borderline");
        return condition(r, "Succeeded")?.status === "True";
      },
      120_000,
    );
  });

  it("aborts a step whose batch is not Ready within progressDeadlineSeconds", async () => {
    const api = await namespace("an-deadline");
    await plainScenario(api, "stuck", template("error-rate"), "healthy", {
      progressDeadlineSeconds: 5,
      progressDeadlineAbort: true,
    });
    // The new pods can never be scheduled.
    await api.client.request({
      method: "PATCH",
      path: `/apis/apps/v1/namespaces/${api.namespace}/deployments/stuck`,
      contentType: "application/json-patch+json",
      body: [
        { op: "replace", path: "/spec/template/spec/containers/0/image", value: "app:v2" },
        { op: "add", path: "/spec/template/spec/nodeSelector", value: { "no-such-node": "true" } },
      ],
    });
    await expectAborted(api, "stuck", "not Ready within progressDeadlineSeconds 5");
    await eventually("ProgressDeadlineExceeded event", async () =>
      (await events(api, "stuck")).some((e) => e.reason === "ProgressDeadlineExceeded"),
    );
    const d = await api.mustGet("apps/v1", "Deployment", "stuck");
    expect(d.spec.template.spec.nodeSelector).toBeUndefined();
  });
});

describe("background analysis", () => {
  // A Deployment of 2 pods released in three steps, each waiting for approval but the last.
  const threeSteps = [{ replicas: 1, pause: {} }, { replicas: 2, pause: {} }, { replicas: "100%" }];
  const background = (r: RolloutObject) => (r.status as Obj | undefined)?.analysis?.background;

  it("runs across the steps and aborts when its metric fails during a later step", async () => {
    const api = await namespace("an-bg-fail");
    await plainScenario(api, "bg-fail", template("bg-fail", { count: 0 }), "turns-bad", {
      steps: threeSteps,
      analysis: analysis("bg-fail", "turns-bad"),
    });
    await release(api, "bg-fail");
    await waitForStep(cluster, api.namespace, "bg-fail", 1, "StepPaused", 120_000);
    await eventually("background measured healthy during step 1", async () => {
      const run = background(await readRollout(cluster, api.namespace, "bg-fail"));
      return run?.phase === "Running" && run.metrics[0].successful >= 1;
    });
    await approve(cluster, api.namespace, "bg-fail");
    await waitForStep(cluster, api.namespace, "bg-fail", 2, "StepPaused", 120_000);
    const before = background(await readRollout(cluster, api.namespace, "bg-fail"));
    expect(before).toMatchObject({ phase: "Running" });
    expect(before.metrics[0].failed).toBe(0);

    // The metric turns bad while step 2 waits for its approval.
    exporter.set("turns-bad", 0.5);
    const done = await expectAborted(
      api,
      "bg-fail",
      "background analysis",
      'metric "error-rate" failed with value 0.5',
    );
    expect(background(done)).toMatchObject({
      phase: "Failed",
      decidedBy: { metric: "error-rate", value: "0.5" },
    });
    // It ran on across the steps: healthy measurements before the failing one, one run throughout.
    expect(background(done).metrics[0].successful).toBeGreaterThanOrEqual(before.metrics[0].successful);
    expect(background(done).startedAt).toBe(before.startedAt);
    const failed = await eventually("AnalysisFailed event", async () =>
      (await events(api, "bg-fail")).find((e) => e.reason === "AnalysisFailed"),
    );
    expect(failed.message).toContain("background analysis");
  });

  it("starts at startingStep, and once successful lets the release finish", async () => {
    const api = await namespace("an-bg-ok");
    await plainScenario(api, "bg-ok", template("bg-ok", { count: 2 }), "healthy", {
      steps: threeSteps,
      analysis: { ...analysis("bg-ok", "healthy"), startingStep: 2 },
    });
    await release(api, "bg-ok");
    const atStep1 = await waitForStep(cluster, api.namespace, "bg-ok", 1, "StepPaused", 120_000);
    expect(background(atStep1)).toBeUndefined();
    await approve(cluster, api.namespace, "bg-ok");
    await waitForStep(cluster, api.namespace, "bg-ok", 2, "StepPaused", 120_000);
    const ok = await eventually("background successful at step 2", async () => {
      const run = background(await readRollout(cluster, api.namespace, "bg-ok"));
      return run?.phase === "Successful" ? run : undefined;
    });
    expect(ok.metrics[0]).toMatchObject({ successful: 2, failed: 0, inconclusive: 0 });
    await approve(cluster, api.namespace, "bg-ok");
    const done = await eventually(
      "bg-ok completed",
      async () => {
        const r = await readRollout(cluster, api.namespace, "bg-ok");
        return condition(r, "Succeeded")?.status === "True" && r.status?.phase === "Healthy" ? r : undefined;
      },
      120_000,
    );
    expect(background(done)).toMatchObject({ phase: "Successful" });
    const pods = await api.list("v1", "Pod", "app=bg-ok");
    expect(pods.every((p) => p.spec.containers[0].image === "app:v2")).toBe(true);
  });
});

describe("analysis from the KubeVela trait", () => {
  it("a v1alpha1 Rollout rendered by the kruise-rollout trait carries step analysis through the apiserver", async () => {
    const api = await namespace("an-trait");
    await api.create(template("error-rate"));
    await api.create(deployment(api.namespace, "trait", 2, "app:v1") as Obj);
    const { outputs, errs } = await renderTrait("kruise-rollout", {
      context: { ...baseContext, name: "trait", namespace: api.namespace, output: deploymentOutput },
      parameter: {
        releaseMode: "batch",
        canary: {
          steps: [
            { replicas: 1, analysis: analysis("error-rate", "{{rollout.name}}") },
            { replicas: "100%" },
          ],
          progressDeadlineSeconds: 600,
        },
      },
    });
    expect(errs).toEqual([]);
    await api.create(outputs.rollout as Obj);
    // Written as v1alpha1, stored and read as v1beta1 with the analysis fields.
    const beta = await readRollout(cluster, api.namespace, "trait");
    const canary = (beta.spec as Obj).strategy.canary;
    expect(canary.steps[0].analysis).toEqual(analysis("error-rate", "{{rollout.name}}"));
    expect(canary.progressDeadlineSeconds).toBe(600);
    await waitForPhase(cluster, api.namespace, "trait", "Healthy");

    exporter.set("trait", 0.01);
    await scraped(prometheus.url, "trait");
    await release(api, "trait");
    const done = await eventually(
      "trait completed",
      async () => {
        const r = await readRollout(cluster, api.namespace, "trait");
        return condition(r, "Succeeded")?.status === "True" && r.status?.phase === "Healthy" ? r : undefined;
      },
      120_000,
    );
    expect((done.status as Obj).analysis.step).toMatchObject({ phase: "Successful", stepIndex: 1 });
    // The v1alpha1 view still carries them, so a v1alpha1 client's full write keeps them.
    const alpha = await readRollout(cluster, api.namespace, "trait", "v1alpha1");
    expect(alpha.metadata.annotations?.["rollouts.kruise.io/v1beta1-only"]).toContain("error-rate");
  });
});
