import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningController } from "../../src/devcluster/controller.js";
import {
  approve,
  type BlueGreenStatus,
  BlueGreenWatch,
  httpRouteWeight,
  nginxWeight,
  rolloutOf,
  type RouteReader as WeightReader,
} from "./support/bluegreen.js";
import { createNamespace, deleteNamespace, eventually } from "./support/cluster.js";
import {
  type FaultCluster,
  faultCluster,
  installSharedCrds,
  printLogsOnFailure,
  sleep,
} from "./support/faults.js";
import { StepOrder } from "./support/step-order.js";
import {
  Api,
  canaryIngressRoutes,
  createEchoserver,
  httpRouteRoutes,
  isReady,
  type Obj,
  oneFixture,
  type RouteReader,
  restorable,
  revisionOf,
  setImage,
  TrafficWatch,
  v1Image,
  v2Image,
} from "./support/traffic.js";

// Issue 11, "kill at every transition", for blue-green: a 3-step blue-green release of a
// Deployment (3 replicas) behind nginx Ingress and behind a Gateway API HTTPRoute. Whenever the
// Rollout's blueGreenStatus shows a new (phase, step index, step state, finalising step), the
// controller is killed with SIGKILL and a new one started; the release must still complete with
// every invariant held, the blue-green one included: the old pods stand by, Ready, until the
// release is finalised. The counts are printed for the README.

let fc: FaultCluster;
printLogsOnFailure(() => fc);
const namespaces: string[] = [];

beforeAll(async () => {
  fc = await faultCluster("killbg", 5);
  await installSharedCrds(fc.raw, "gateway-api");
}, 600_000);

afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(fc.cluster, ns).catch(() => undefined);
  await fc?.stop();
}, 300_000);

const replicas = 3;
const steps = [
  { replicas: "50%", traffic: "0%", pause: {} },
  { replicas: "100%", traffic: "50%", pause: {} },
  { replicas: "100%", traffic: "100%", pause: {} },
];
/** At each paused step: the new pods (50% of 3 rounds up), their batch-id labels, the share of requests they get. */
const expected = [
  { updated: 2, batches: ["1", "1"], share: 0 },
  { updated: 3, batches: ["1", "1", "2"], share: 0.5 },
  { updated: 3, batches: ["1", "1", "2"], share: 1 },
];
/**
 * The finalising steps before ResumeWorkload (finaliseSequence, BlueGreen Success). Until the
 * status says ResumeWorkload the Deployment keeps its blue-green strategy, so every old pod must
 * still be there: the controller writes the status before it acts on it.
 */
const beforeResume = new Set(["", "FinalisingStepRouteTrafficToNew", "RestoreStableService"]);

interface Variant {
  name: string;
  network: (api: Api) => Promise<Obj>;
  routing: Obj;
  /** For TrafficWatch: whether requests can reach the canary Service. */
  routes: RouteReader;
  /** For BlueGreenWatch: the canary Service's share of the requests. */
  weight: WeightReader;
  /** Whatever of the provider objects the rollout must leave as it found them. */
  restored: (api: Api, original: Obj) => Promise<void>;
}

const variants: Variant[] = [
  {
    name: "nginx Ingress",
    network: (api) => api.create(oneFixture("rollout/nginx_ingress.yaml")),
    routing: { service: "echoserver", ingress: { classType: "nginx", name: "echoserver" } },
    routes: canaryIngressRoutes,
    weight: nginxWeight,
    restored: async (api, original) => {
      await api.gone("networking.k8s.io/v1", "Ingress", "echoserver-canary");
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
    weight: httpRouteWeight,
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
  seconds: number;
  /** Traffic samples, up to the finalisation, that found every old pod Ready. */
  standingBy: number;
}

const reports: Report[] = [];

afterAll(() => {
  for (const r of reports) {
    console.log(
      `[reliability] kill at every transition, blue-green, ${r.variant}: ${r.passed}/${r.tried} transitions ` +
        `survived, ${r.violations.length} violations, ${r.reapprovals} approvals re-sent, controller restart ` +
        `${Math.min(...r.restartSeconds).toFixed(1)}–${Math.max(...r.restartSeconds).toFixed(1)} s, ` +
        `release ${r.seconds.toFixed(0)} s, every old pod Ready in ${r.standingBy} samples\n` +
        `  transitions: ${r.transitions.join(" → ")}`,
    );
  }
});

const statusOf = (r: Obj): BlueGreenStatus | undefined => r.status?.blueGreenStatus;

function keyOf(r: Obj): string {
  const b = statusOf(r);
  return [
    r.status?.phase ?? "",
    b?.currentStepIndex ?? 0,
    b?.currentStepState ?? "",
    b?.finalisingStep ?? "",
  ].join("|");
}

function succeeded(r: Obj): boolean {
  return (
    r.status?.phase === "Healthy" &&
    (r.status?.conditions ?? []).find((c: Obj) => c.type === "Succeeded")?.status === "True" &&
    statusOf(r)?.finalisingStep === "END"
  );
}

const sorted = (values: string[]) => [...values].sort();

describe.each(variants)("kill -9 at every blue-green transition: $name", (v) => {
  it("completes the release with every invariant held", { timeout: 1_800_000 }, async () => {
    const ns = await createNamespace(fc.cluster, "killbg");
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
      seconds: 0,
      standingBy: 0,
    };
    reports.push(report);

    const service = await createEchoserver(api, replicas);
    const stableHash = await revisionOf(api, v1Image);
    const deployment = await api.mustGet("apps/v1", "Deployment", "echoserver");
    const bluePods = sorted(
      (await api.list("v1", "Pod", "app=echoserver")).map((pod) => pod.metadata.uid as string),
    );
    const network = await v.network(api);
    await api.create({
      apiVersion: "rollouts.kruise.io/v1beta1",
      kind: "Rollout",
      metadata: { name: "killbg" },
      spec: {
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "echoserver" },
        strategy: { blueGreen: { steps, trafficRoutings: [v.routing] } },
      },
    });
    await eventually(
      "Rollout Healthy",
      async () => (await rolloutOf(api, "killbg")).status?.phase === "Healthy",
      120_000,
    );
    const watch = new TrafficWatch(api, v.routes);
    const shares = new BlueGreenWatch(api, v.weight);
    const released = Date.now();
    await setImage(api, "echoserver", v2Image);

    // Invariant bookkeeping over the whole run.
    let lastKey = "";
    const approvedAt = new Map<number, number>();
    /** When the last read started that still showed the release short of ResumeWorkload. */
    let blueUntil = released;
    const order = new StepOrder(steps.length, report.violations);
    let pending: { key: string; violations: number } | undefined;
    const violations = () => report.violations.length + watch.violations.length + shares.violations.length;
    const deadline = Date.now() + 1_500_000;

    for (;;) {
      expect(Date.now(), `rollout stuck at ${lastKey}`).toBeLessThan(deadline);
      const readAt = Date.now();
      let r: Obj;
      try {
        r = await rolloutOf(api, "killbg");
      } catch {
        await sleep(200);
        continue;
      }
      const key = keyOf(r);
      const b = statusOf(r);
      if (r.status?.phase === "Progressing" && beforeResume.has(b?.finalisingStep ?? "")) blueUntil = readAt;
      // No step skipped or repeated: the index moves 1, 2, 3 and the state within a step only forwards.
      if (key !== lastKey && r.status?.phase === "Progressing" && b) order.see(b, lastKey, key);
      if (key !== lastKey) {
        report.transitions.push(key);
        // The transition before this one survived its kill: the release moved on, nothing broke.
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
      if (order.started && b?.currentStepState === "StepPaused" && !b.finalisingStep) {
        const index = b.currentStepIndex ?? 0;
        const last = approvedAt.get(index);
        if (last === undefined) {
          await checkPausedStep(api, index, b, stableHash).catch((err: Error) =>
            report.violations.push(`step ${index}: ${err.message}`),
          );
          const share = (await shares.now()).share;
          if (share !== expected[index - 1]?.share)
            report.violations.push(`step ${index}: ${share} of the requests reach the new version`);
          await approve(api, "killbg");
          approvedAt.set(index, Date.now());
        } else if (Date.now() - last > 30_000) {
          // An approval that did not take: counted (it must stay 0), then sent again.
          report.reapprovals++;
          await approve(api, "killbg");
          approvedAt.set(index, Date.now());
        }
      }
      await sleep(100);
    }
    report.seconds = (Date.now() - released) / 1000;

    await watch.stop();
    await shares.stop();
    report.violations.push(...watch.violations, ...shares.violations);
    // The blue-green promise: until the release was finalised every old pod stood by, Ready, so
    // a rollback at any moment would have been instant.
    const standingBy = shares.between(released, blueUntil);
    for (const sample of standingBy) {
      if (JSON.stringify(sorted(sample.v1)) !== JSON.stringify(bluePods))
        report.violations.push(`${sample.at}: Ready old pods ${sample.v1.length}/${bluePods.length}`);
      else report.standingBy++;
    }

    // Nothing left behind, the Deployment as it was before the release apart from its template.
    await api.gone("rollouts.kruise.io/v1beta1", "BatchRelease", "killbg");
    await api.gone("v1", "Service", "echoserver-canary");
    expect(restorable(await api.get("v1", "Service", "echoserver"))).toEqual(restorable(service));
    await v.restored(api, network);
    const d = await api.mustGet("apps/v1", "Deployment", "echoserver");
    expect(d.spec.paused ?? false).toBe(false);
    expect({ ...d.spec, template: undefined }).toEqual({ ...deployment.spec, template: undefined });
    const annotations = (o: Obj) => {
      const { "deployment.kubernetes.io/revision": _revision, ...rest } = o.metadata.annotations ?? {};
      return rest;
    };
    expect(annotations(d)).toEqual(annotations(deployment));
    expect(d.metadata.labels).toEqual({
      ...deployment.metadata.labels,
      "rollouts.kruise.io/workload-type": "deployment",
    });
    expect(d.spec.template.spec.containers[0].image).toBe(v2Image);
    await eventually("every pod on v2 and Ready", async () => {
      const pods = await api.list("v1", "Pod", "app=echoserver");
      return pods.length === replicas &&
        pods.every((pod) => pod.spec.containers[0].image === v2Image && isReady(pod))
        ? true
        : undefined;
    });

    expect(report.violations).toEqual([]);
    expect(order.indices).toEqual([1, 2, 3]);
    expect(standingBy.length).toBeGreaterThan(0);
    expect(watch.checkedStates).toBeGreaterThan(0);
    // Blue-green scales nothing up under a weight: every new pod is Ready before any request
    // can reach it, so TrafficWatch has nothing to tolerate.
    expect(watch.tolerated).toBe(0);
    // Requests moved 0 → 50% → 100% of the new version and never back.
    expect(shares.shares(released)).toEqual([0, 0.5, 1]);
    expect(report.reapprovals).toBe(0);
    expect(report.tried).toBeGreaterThanOrEqual(12);
    expect(report.passed).toBe(report.tried);
    await fc.kill(controller);
  });
});

/** What a paused step shows: the new pods beside every old one, and the Services split by revision. */
async function checkPausedStep(api: Api, index: number, b: BlueGreenStatus, stableHash: string) {
  const want = expected[index - 1];
  if (!want) throw new Error("not a step of the plan");
  let problems: string[] = [];
  await eventually(
    "the paused step",
    async () => {
      const pods = (await api.list("v1", "Pod", "app=echoserver")).filter(
        (pod) => !pod.metadata.deletionTimestamp,
      );
      const green = pods.filter((pod) => pod.spec.containers[0].image === v2Image);
      const blue = pods.filter((pod) => pod.spec.containers[0].image === v1Image);
      const batches = sorted(
        green.map((pod) => pod.metadata.labels?.["rollouts.kruise.io/rollout-batch-id"] as string),
      );
      const ids = [...new Set(green.map((pod) => pod.metadata.labels?.["rollouts.kruise.io/rollout-id"]))];
      const canaryHash = green[0]?.metadata.labels?.["pod-template-hash"];
      const d = await api.mustGet("apps/v1", "Deployment", "echoserver");
      const stable = await api.mustGet("v1", "Service", "echoserver");
      const canary = await api.get("v1", "Service", "echoserver-canary");
      const surge = { maxSurge: steps[index - 1]?.replicas, maxUnavailable: 0 };
      problems = [
        b.updatedReplicas === want.updated ? "" : `updatedReplicas ${b.updatedReplicas}`,
        green.length === want.updated && green.every(isReady) ? "" : `${green.length} new pods`,
        blue.length === replicas && blue.every(isReady) ? "" : `${blue.length} old pods`,
        JSON.stringify(batches) === JSON.stringify(want.batches) ? "" : `batch labels ${batches}`,
        ids.length === 1 && ids[0] === b.observedRolloutID ? "" : `rollout-id labels ${ids}`,
        d.spec.paused ? "Deployment paused" : "",
        isDeepStrictEqual(d.spec.strategy.rollingUpdate, surge)
          ? ""
          : `rollingUpdate ${JSON.stringify(d.spec.strategy.rollingUpdate)}`,
        stable.spec.selector?.["pod-template-hash"] === stableHash
          ? ""
          : `stable selector ${JSON.stringify(stable.spec.selector)}`,
        canaryHash !== undefined && canary?.spec.selector?.["pod-template-hash"] === canaryHash
          ? ""
          : `canary selector ${JSON.stringify(canary?.spec.selector)}`,
      ].filter((problem) => problem !== "");
      return problems.length === 0;
    },
    60_000,
  ).catch(() => {
    throw new Error(problems.join(", "));
  });
}
