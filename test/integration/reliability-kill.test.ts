import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningController } from "../../src/devcluster/controller.js";
import { createNamespace, deleteNamespace, eventually } from "./support/cluster.js";
import {
  type FaultCluster,
  faultCluster,
  installSharedCrds,
  printLogsOnFailure,
  sleep,
} from "./support/faults.js";
import { approve, type RolloutObject, readRollout } from "./support/rollouts.js";
import { StepOrder } from "./support/step-order.js";
import {
  Api,
  canaryIngressRoutes,
  createEchoserver,
  httpRouteRoutes,
  type Obj,
  oneFixture,
  type RouteReader,
  restorable,
  rolloutV1beta1,
  setImage,
  TrafficWatch,
  v2Image,
} from "./support/traffic.js";

// Issue 11, "kill at every transition": a 3-step weight-plus-replicas canary (Deployment, canary
// style, 4 replicas) behind nginx Ingress and behind a Gateway API HTTPRoute. Whenever the
// Rollout's status shows a new (phase, step index, step state, finalising step), the controller
// is killed with SIGKILL and a new one started; the rollout must still complete with every
// invariant held. The counts are printed for the README.

let fc: FaultCluster;
printLogsOnFailure(() => fc);
const namespaces: string[] = [];

beforeAll(async () => {
  fc = await faultCluster("kill", 0);
  await installSharedCrds(fc.raw, "gateway-api");
}, 600_000);

afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(fc.cluster, ns).catch(() => undefined);
  await fc?.stop();
}, 300_000);

const steps = [
  { traffic: "20%", replicas: 1, pause: {} },
  { traffic: "50%", replicas: 2, pause: {} },
  { traffic: "100%", replicas: "100%", pause: {} },
];
/** The batch-id labels of the canary pods at each paused step. */
const expectedBatches = [["1"], ["1", "2"], ["1", "2", "3", "3"]];

interface Variant {
  name: string;
  network: (api: Api) => Promise<Obj>;
  routing: Obj;
  routes: RouteReader;
  /** Whatever of the provider objects the rollout must leave as it found them. */
  restored: (api: Api, original: Obj) => Promise<void>;
}

const variants: Variant[] = [
  {
    name: "nginx Ingress",
    network: (api) => api.create(oneFixture("rollout/nginx_ingress.yaml")),
    routing: { service: "echoserver", ingress: { classType: "nginx", name: "echoserver" } },
    routes: canaryIngressRoutes,
    restored: async (api, original) => {
      expect(await api.get("networking.k8s.io/v1", "Ingress", "echoserver-canary")).toBeUndefined();
      expect(restorable(await api.get("networking.k8s.io/v1", "Ingress", "echoserver"))).toEqual(
        restorable(original),
      );
    },
  },
  {
    name: "Gateway API HTTPRoute",
    network: (api) =>
      api.create({
        ...oneFixture("gateway/httproute-test.yaml"),
        apiVersion: "gateway.networking.k8s.io/v1",
      }),
    routing: { service: "echoserver", gateway: { httpRouteName: "echoserver" } },
    routes: httpRouteRoutes("echoserver"),
    restored: async (api, original) => {
      const route = await api.mustGet("gateway.networking.k8s.io/v1", "HTTPRoute", "echoserver");
      expect(JSON.stringify(route.spec.rules)).not.toContain("echoserver-canary");
      expect(restorable(route)).toEqual(restorable(original));
    },
  },
];

interface Report {
  variant: string;
  tried: number;
  passed: number;
  transitions: string[];
  violations: string[];
  reapprovals: number;
  restartSeconds: number[];
}

const reports: Report[] = [];

afterAll(() => {
  for (const r of reports) {
    console.log(
      `[reliability] kill at every transition, ${r.variant}: ${r.passed}/${r.tried} transitions survived, ` +
        `${r.violations.length} violations, ${r.reapprovals} approvals re-sent, controller restart ` +
        `${Math.min(...r.restartSeconds).toFixed(1)}–${Math.max(...r.restartSeconds).toFixed(1)} s\n` +
        `  transitions: ${r.transitions.join(" → ")}`,
    );
  }
});

function keyOf(r: RolloutObject): string {
  const c = r.status?.canaryStatus;
  return [
    r.status?.phase ?? "",
    c?.currentStepIndex ?? 0,
    c?.currentStepState ?? "",
    c?.finalisingStep ?? "",
  ].join("|");
}

function succeeded(r: RolloutObject): boolean {
  return (
    r.status?.phase === "Healthy" &&
    r.status?.conditions?.find((c) => c.type === "Succeeded")?.status === "True" &&
    r.status?.canaryStatus?.finalisingStep === "END"
  );
}

describe.each(variants)("kill -9 at every transition: $name", (v) => {
  it("completes the rollout with every invariant held", { timeout: 1_800_000 }, async () => {
    const ns = await createNamespace(fc.cluster, "kill");
    namespaces.push(ns);
    const api = new Api(fc.raw, ns);
    let controller: RunningController = await fc.startController();
    const report: Report = {
      variant: v.name,
      tried: 0,
      passed: 0,
      transitions: [],
      violations: [],
      reapprovals: 0,
      restartSeconds: [],
    };
    reports.push(report);

    const service = await createEchoserver(api, 4);
    const network = await v.network(api);
    await api.create(
      rolloutV1beta1("kill", { enableExtraWorkloadForCanary: true, steps, trafficRoutings: [v.routing] }),
    );
    await eventually(
      "Rollout Healthy",
      async () => (await readRollout(fc.cluster, ns, "kill")).status?.phase === "Healthy",
      120_000,
    );
    const watch = new TrafficWatch(api, v.routes);
    await setImage(api, "echoserver", v2Image);

    // Invariant bookkeeping over the whole run.
    let lastKey = "";
    const approvedAt = new Map<number, number>();
    const order = new StepOrder(steps.length, report.violations);
    let pending: { key: string; violations: number } | undefined;
    const violations = () => report.violations.length + watch.violations.length;
    const deadline = Date.now() + 1_500_000;

    for (;;) {
      expect(Date.now(), `rollout stuck at ${lastKey}`).toBeLessThan(deadline);
      let r: RolloutObject;
      try {
        r = await readRollout(fc.cluster, ns, "kill");
      } catch {
        await sleep(200);
        continue;
      }
      const key = keyOf(r);
      const c = r.status?.canaryStatus;
      // No step skipped or repeated: the index moves 1, 2, 3 and the state within a step only forwards.
      if (key !== lastKey && r.status?.phase === "Progressing" && c) order.see(c, lastKey, key);
      if (key !== lastKey) {
        report.transitions.push(key);
        // The transition before this one survived its kill: the rollout moved on, nothing broke.
        if (pending && violations() === pending.violations) report.passed++;
        pending = undefined;
        lastKey = key;
        if (succeeded(r)) break;
        if (r.status?.phase !== "Healthy" || report.tried > 0) {
          report.tried++;
          pending = { key, violations: violations() };
          await fc.kill(controller);
          const t = Date.now();
          controller = await fc.startController();
          report.restartSeconds.push((Date.now() - t) / 1000);
        }
        continue;
      }
      if (c?.currentStepState === "StepPaused" && !c.finalisingStep) {
        const index = c.currentStepIndex;
        const last = approvedAt.get(index);
        if (last === undefined) {
          // Batch labels at every paused step, the last included.
          await eventually(
            `batch labels at step ${index}`,
            async () => {
              const pods = (await api.list("v1", "Pod", "app=echoserver")).filter(
                (p) => !p.metadata.deletionTimestamp && p.spec.containers[0].image === v2Image,
              );
              const batches = pods
                .map((p) => p.metadata.labels?.["rollouts.kruise.io/rollout-batch-id"])
                .sort();
              const ids = new Set(pods.map((p) => p.metadata.labels?.["rollouts.kruise.io/rollout-id"]));
              return JSON.stringify(batches) === JSON.stringify(expectedBatches[index - 1]) &&
                ids.size === 1 &&
                ids.has(c.observedRolloutID)
                ? true
                : undefined;
            },
            60_000,
          ).catch((err: Error) => report.violations.push(err.message));
          await approve(fc.cluster, ns, "kill");
          approvedAt.set(index, Date.now());
        } else if (Date.now() - last > 30_000) {
          // An approval that did not take: counted (it must stay 0), then sent again.
          report.reapprovals++;
          await approve(fc.cluster, ns, "kill");
          approvedAt.set(index, Date.now());
        }
      }
      await sleep(100);
    }

    await watch.stop();
    report.violations.push(...watch.violations);
    // Nothing left behind.
    await eventually("canary Deployment removed", async () =>
      (await api.list("apps/v1", "Deployment")).length === 1 ? true : undefined,
    );
    const d = await api.mustGet("apps/v1", "Deployment", "echoserver");
    expect(d.spec.paused ?? false).toBe(false);
    expect(d.metadata.annotations?.["rollouts.kruise.io/in-progressing"]).toBeUndefined();
    await api.gone("rollouts.kruise.io/v1beta1", "BatchRelease", "kill");
    expect(await api.get("v1", "Service", "echoserver-canary")).toBeUndefined();
    expect(restorable(await api.get("v1", "Service", "echoserver"))).toEqual(restorable(service));
    await v.restored(api, network);
    await eventually("every pod on v2 and Ready", async () => {
      const pods = await api.list("v1", "Pod", "app=echoserver");
      return pods.length === 4 && pods.every((p) => p.spec.containers[0].image === v2Image)
        ? true
        : undefined;
    });

    expect(report.violations).toEqual([]);
    expect(order.indices).toEqual([1, 2, 3]);
    expect(watch.checkedStates).toBeGreaterThan(0);
    expect(report.reapprovals).toBe(0);
    expect(report.tried).toBeGreaterThanOrEqual(8);
    expect(report.passed).toBe(report.tried);
    await fc.kill(controller);
  });
});
