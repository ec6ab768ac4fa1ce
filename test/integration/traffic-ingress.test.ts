import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { approve, readRollout, waitForPhase, waitForStep } from "./support/rollouts.js";
import {
  Api,
  canaryIngressRoutes,
  configNamespace,
  createEchoserver,
  ensureConfigNamespace,
  type Obj,
  oneFixture,
  rawClient,
  restorable,
  revisionOf,
  rolloutV1beta1,
  setImage,
  TrafficWatch,
  v1Image,
  v2Image,
} from "./support/traffic.js";

// nginx Ingress traffic routing against the real API server (spec §2.3, §2.4, §5.3, Appendix A):
// the exact canary Ingress at every step, the canary and stable Services, traffic never on
// unready pods, and the original objects back after completion, rollback and deletion.

const p = "nginx.ingress.kubernetes.io/";
const ingressClass = { "kubernetes.io/ingress.class": "nginx" };
const ingressV1 = "networking.k8s.io/v1";

let cluster: TestCluster;
const raw = rawClient();
const namespaces: string[] = [];

beforeAll(() => {
  cluster = connect();
});
afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
});

interface Scene {
  api: Api;
  ns: string;
  originals: { service: Obj | undefined; ingress: Obj | undefined };
  stableHash: string;
}

/** Namespace, the upstream e2e Deployment, Service and Ingress, all Ready. */
async function scene(): Promise<Scene> {
  const ns = await createNamespace(cluster, "tr-nginx");
  namespaces.push(ns);
  const api = new Api(raw, ns);
  const service = await createEchoserver(api);
  const ingress = await api.create(oneFixture("rollout/nginx_ingress.yaml"));
  const stableHash = await revisionOf(api, v1Image);
  return { api, ns, originals: { service: restorable(service), ingress: restorable(ingress) }, stableHash };
}

function nginxRouting(gracePeriodSeconds: number) {
  return [{ service: "echoserver", ingress: { classType: "nginx", name: "echoserver" }, gracePeriodSeconds }];
}

/** The canary Ingress, the canary Service and the pinned stable Service at a paused step. */
async function expectStep(s: Scene, rollout: string, annotations: Record<string, string>): Promise<void> {
  const canaryHash = await revisionOf(s.api, v2Image);
  const r = await readRollout(cluster, s.ns, rollout);
  expect(r.status?.canaryStatus).toMatchObject({ podTemplateHash: canaryHash, stableRevision: s.stableHash });
  const canary = await s.api.mustGet(ingressV1, "Ingress", "echoserver-canary");
  expect(canary.metadata.annotations).toEqual(annotations);
  expect(canary.metadata.labels).toBeUndefined();
  expect(canary.spec).toEqual({
    rules: [
      {
        host: "echoserver.example.com",
        http: {
          paths: [
            {
              backend: { service: { name: "echoserver-canary", port: { number: 80 } } },
              path: "/apis/echo",
              pathType: "Exact",
            },
          ],
        },
      },
    ],
  });
  const rolloutObj = await s.api.mustGet("rollouts.kruise.io/v1beta1", "Rollout", rollout);
  expect(canary.metadata.ownerReferences).toEqual([
    {
      apiVersion: "rollouts.kruise.io/v1beta1",
      kind: "Rollout",
      name: rollout,
      uid: rolloutObj.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  const canarySvc = await s.api.mustGet("v1", "Service", "echoserver-canary");
  expect(canarySvc.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": canaryHash });
  expect(canarySvc.spec.ports).toEqual(s.originals.service?.spec.ports);
  const stable = await s.api.mustGet("v1", "Service", "echoserver");
  expect(stable.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": s.stableHash });
  // the stable Ingress is never touched
  expect(restorable(await s.api.get(ingressV1, "Ingress", "echoserver"))).toEqual(s.originals.ingress);
}

/** The original Service and Ingress are back and nothing the rollout made is left. */
async function expectRestored(s: Scene): Promise<void> {
  await s.api.gone("v1", "Service", "echoserver-canary");
  await s.api.gone(ingressV1, "Ingress", "echoserver-canary");
  expect(restorable(await s.api.get("v1", "Service", "echoserver"))).toEqual(s.originals.service);
  expect(restorable(await s.api.get(ingressV1, "Ingress", "echoserver"))).toEqual(s.originals.ingress);
}

function expectNoUnreadyTraffic(watch: TrafficWatch): void {
  expect(watch.violations).toEqual([]);
  expect(watch.checkedStates).toBeGreaterThan(0);
}

describe("nginx Ingress", () => {
  it("runs the seed walkthrough (Appendix A) step by step, waiting the grace period between changes", async () => {
    const s = await scene();
    // The seed's Rollout as the tutorial writes it: v1alpha1, weight 5 on 20% of the pods.
    await s.api.create({
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "rollouts-demo" },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "echoserver" } },
        strategy: {
          canary: {
            steps: [{ weight: 5, replicas: "20%", pause: {} }],
            trafficRoutings: [
              { service: "echoserver", ingress: { name: "echoserver" }, gracePeriodSeconds: 3 },
            ],
          },
        },
      },
    });
    await waitForPhase(cluster, s.ns, "rollouts-demo", "Healthy");
    const watch = new TrafficWatch(s.api, canaryIngressRoutes);
    await setImage(s.api, "echoserver", v2Image);

    const paused = await waitForStep(cluster, s.ns, "rollouts-demo", 1, "StepPaused");
    expect(paused.status?.message).toBe(
      "Rollout is in step(1/1), and you need manually confirm to enter the next step",
    );
    await expectStep(s, "rollouts-demo", {
      ...ingressClass,
      [`${p}canary`]: "true",
      [`${p}canary-weight`]: "5",
    });
    const canaryPods = (await s.api.list("v1", "Pod", "app=echoserver")).filter(
      (pod) => pod.spec.containers[0].image === v2Image,
    );
    expect(canaryPods).toHaveLength(1);

    const approvedAt = Date.now();
    await approve(cluster, s.ns, "rollouts-demo");
    const done = await waitForPhase(cluster, s.ns, "rollouts-demo", "Healthy");
    expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
    expect(done.status?.canaryStatus?.finalisingStep).toBe("END");
    await expectRestored(s);
    await eventually(
      "canary Deployment removed",
      async () => (await s.api.list("apps/v1", "Deployment")).length === 1,
    );
    await watch.stop();
    expectNoUnreadyTraffic(watch);

    // The order and the 3 s grace waits of Appendix A, from when each change was first seen
    // (polls are ~0.1 s apart, hence the slack).
    const slack = 400;
    const grace = 3000 - slack;
    const weight = (n: string) => (v: string) => v.includes(`"${p}canary-weight","${n}"`);
    const pinned = watch.firstSeen("stableSelector", (v) => v.includes(s.stableHash));
    const canaryDeployment = watch.firstSeen("canaryDeployment", (v) => v !== "[]");
    const canaryService = watch.firstSeen("canaryService", (v) => v !== "absent");
    const weight0 = watch.firstSeen("routes", weight("0"));
    const weight5 = watch.firstSeen("routes", weight("5"));
    for (const t of [pinned, canaryDeployment, canaryService, weight0, weight5]) expect(t).toBeDefined();
    expect((canaryDeployment ?? 0) - (pinned ?? 0)).toBeGreaterThanOrEqual(grace);
    expect(canaryService).toBeGreaterThan(canaryDeployment ?? 0);
    expect((weight0 ?? 0) - (canaryService ?? 0)).toBeGreaterThanOrEqual(grace);
    expect((weight5 ?? 0) - (weight0 ?? 0)).toBeGreaterThanOrEqual(grace);
    expect(watch.values("routes").filter((v) => v !== "no canary Ingress")).toEqual([
      JSON.stringify(
        Object.entries({ ...ingressClass, [`${p}canary`]: "true", [`${p}canary-weight`]: "0" }).sort(),
      ),
      JSON.stringify(
        Object.entries({ ...ingressClass, [`${p}canary`]: "true", [`${p}canary-weight`]: "5" }).sort(),
      ),
    ]);
    // Finalising (Success): stable selector restored, then the canary Ingress, then the canary Service.
    const unpinned = watch.firstSeen("stableSelector", (v) => !v.includes("pod-template-hash"), approvedAt);
    const ingressGone = watch.firstSeen("routes", (v) => v === "no canary Ingress", approvedAt);
    const serviceGone = watch.firstSeen("canaryService", (v) => v === "absent", approvedAt);
    for (const t of [unpinned, ingressGone, serviceGone]) expect(t).toBeDefined();
    expect((ingressGone ?? 0) - (unpinned ?? 0)).toBeGreaterThanOrEqual(grace);
    expect((serviceGone ?? 0) - (ingressGone ?? 0)).toBeGreaterThanOrEqual(grace);
  });

  it("moves the weight step by step, tears routing down before a batch-only step and restores on completion", async () => {
    const s = await scene();
    await s.api.create(
      rolloutV1beta1("weights", {
        enableExtraWorkloadForCanary: true,
        steps: [
          { traffic: "20%", replicas: 1, pause: {} },
          { traffic: "60%", replicas: 3, pause: {} },
          { replicas: 4, pause: {} },
          { replicas: "100%" },
        ],
        trafficRoutings: nginxRouting(0),
      }),
    );
    await waitForPhase(cluster, s.ns, "weights", "Healthy");
    const watch = new TrafficWatch(s.api, canaryIngressRoutes);
    await setImage(s.api, "echoserver", v2Image);

    await waitForStep(cluster, s.ns, "weights", 1, "StepPaused");
    await expectStep(s, "weights", { ...ingressClass, [`${p}canary`]: "true", [`${p}canary-weight`]: "20" });
    await approve(cluster, s.ns, "weights");
    await waitForStep(cluster, s.ns, "weights", 2, "StepPaused");
    await expectStep(s, "weights", { ...ingressClass, [`${p}canary`]: "true", [`${p}canary-weight`]: "60" });
    expect(
      (await s.api.list("v1", "Pod", "app=echoserver")).filter(
        (pod) => pod.spec.containers[0].image === v2Image,
      ),
    ).toHaveLength(3);

    // Step 3 routes nothing: routing is torn down before its batch, in upstream's order.
    const approvedAt = Date.now();
    await approve(cluster, s.ns, "weights");
    await waitForStep(cluster, s.ns, "weights", 3, "StepPaused");
    expect(await s.api.get(ingressV1, "Ingress", "echoserver-canary")).toBeUndefined();
    expect(await s.api.get("v1", "Service", "echoserver-canary")).toBeUndefined();
    expect(restorable(await s.api.get("v1", "Service", "echoserver"))).toEqual(s.originals.service);
    const unpinned = watch.firstSeen("stableSelector", (v) => !v.includes("pod-template-hash"), approvedAt);
    const ingressGone = watch.firstSeen("routes", (v) => v === "no canary Ingress", approvedAt);
    const serviceGone = watch.firstSeen("canaryService", (v) => v === "absent", approvedAt);
    expect(unpinned).toBeDefined();
    expect(ingressGone).toBeGreaterThanOrEqual(unpinned ?? 0);
    expect(serviceGone).toBeGreaterThanOrEqual(ingressGone ?? 0);

    await approve(cluster, s.ns, "weights");
    const done = await waitForPhase(cluster, s.ns, "weights", "Healthy");
    expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
    await expectRestored(s);
    await watch.stop();
    expectNoUnreadyTraffic(watch);
    const weights = watch
      .values("routes")
      .filter((v) => v !== "no canary Ingress")
      .map((v) => Object.fromEntries(JSON.parse(v))[`${p}canary-weight`]);
    // The canary Ingress is born at weight 0 and patched at once (grace 0): a 100 ms sampler may
    // or may not see that instant. Every weight seen is in order, and 20 and 60 are always seen.
    expect(weights[0] === "0" ? weights : ["0", ...weights]).toEqual(["0", "20", "60"]);
  });

  it("runs an A/B rollout (header Exact, RegularExpression, cookie, weight plus header) and restores on rollback", async () => {
    const s = await scene();
    await s.api.create(
      rolloutV1beta1("ab", {
        enableExtraWorkloadForCanary: true,
        steps: [
          {
            replicas: 1,
            matches: [{ headers: [{ type: "Exact", name: "user-agent", value: "pc" }] }],
            pause: {},
          },
          {
            replicas: 1,
            matches: [
              { headers: [{ type: "RegularExpression", name: "user-agent", value: ".*(android|iphone).*" }] },
            ],
            pause: {},
          },
          { replicas: 1, matches: [{ headers: [{ name: "canary-by-cookie", value: "demo" }] }], pause: {} },
          {
            replicas: 2,
            traffic: "30%",
            matches: [{ headers: [{ type: "Exact", name: "x-canary", value: "yes" }] }],
            pause: {},
          },
        ],
        trafficRoutings: nginxRouting(0),
      }),
    );
    await waitForPhase(cluster, s.ns, "ab", "Healthy");
    const watch = new TrafficWatch(s.api, canaryIngressRoutes);
    await setImage(s.api, "echoserver", v2Image);

    const expected: Record<string, string>[] = [
      { [`${p}canary-by-header`]: "user-agent", [`${p}canary-by-header-value`]: "pc" },
      { [`${p}canary-by-header`]: "user-agent", [`${p}canary-by-header-pattern`]: ".*(android|iphone).*" },
      { [`${p}canary-by-cookie`]: "demo" },
      {
        [`${p}canary-weight`]: "30",
        [`${p}canary-by-header`]: "x-canary",
        [`${p}canary-by-header-value`]: "yes",
      },
    ];
    for (const [i, extra] of expected.entries()) {
      await waitForStep(cluster, s.ns, "ab", i + 1, "StepPaused");
      await expectStep(s, "ab", { ...ingressClass, [`${p}canary`]: "true", ...extra });
      if (i < expected.length - 1) await approve(cluster, s.ns, "ab");
    }

    // Rollback: the template goes back to v1 mid-flight.
    await setImage(s.api, "echoserver", v1Image);
    const done = await waitForPhase(cluster, s.ns, "ab", "Healthy");
    expect(done.status?.conditions?.find((c) => c.type === "Succeeded")).toMatchObject({
      status: "False",
      reason: "Canceled",
    });
    await expectRestored(s);
    await eventually("only v1 pods", async () => {
      const pods = await s.api.list("v1", "Pod", "app=echoserver");
      return pods.length === 5 && pods.every((pod) => pod.spec.containers[0].image === v1Image);
    });
    await watch.stop();
    expectNoUnreadyTraffic(watch);
  });

  it("restores the Service and Ingress when the Rollout is deleted mid-flight", async () => {
    const s = await scene();
    await s.api.create(
      rolloutV1beta1("deleted", {
        enableExtraWorkloadForCanary: true,
        steps: [
          { traffic: "40%", replicas: 2, pause: {} },
          { traffic: "80%", replicas: 4, pause: {} },
        ],
        trafficRoutings: nginxRouting(0),
      }),
    );
    await waitForPhase(cluster, s.ns, "deleted", "Healthy");
    const watch = new TrafficWatch(s.api, canaryIngressRoutes);
    await setImage(s.api, "echoserver", v2Image);
    await waitForStep(cluster, s.ns, "deleted", 1, "StepPaused");
    await expectStep(s, "deleted", { ...ingressClass, [`${p}canary`]: "true", [`${p}canary-weight`]: "40" });

    await s.api.delete("rollouts.kruise.io/v1beta1", "Rollout", "deleted");
    await s.api.gone("rollouts.kruise.io/v1beta1", "Rollout", "deleted", 90_000);
    await expectRestored(s);
    await s.api.gone("rollouts.kruise.io/v1beta1", "BatchRelease", "deleted");
    await watch.stop();
    expectNoUnreadyTraffic(watch);
  });

  it("runs a user's Lua override from the ConfigMap and reports a failing script in the status", async () => {
    const s = await scene();
    await ensureConfigNamespace(s.api);
    const key = "lua.traffic.routing.ingress.nginx";
    const override = [
      "local annotations = obj.annotations or {}",
      `annotations["${p}canary"] = "true"`,
      `annotations["${p}canary-weight"] = obj.weight`,
      'annotations["test.kruise.io/lua-override"] = "weight-" .. obj.weight',
      "return annotations",
    ].join("\n");
    const configMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "kruise-rollout-configuration", namespace: configNamespace },
      data: { [key]: override },
    };
    await s.api.delete("v1", "ConfigMap", "kruise-rollout-configuration", configNamespace);
    await s.api.create(configMap);
    try {
      await s.api.create(
        rolloutV1beta1("lua", {
          enableExtraWorkloadForCanary: true,
          steps: [
            { traffic: "20%", replicas: 1, pause: {} },
            { traffic: "50%", replicas: 2, pause: {} },
          ],
          trafficRoutings: nginxRouting(0),
        }),
      );
      await waitForPhase(cluster, s.ns, "lua", "Healthy");
      await setImage(s.api, "echoserver", v2Image);
      await waitForStep(cluster, s.ns, "lua", 1, "StepPaused");
      await expectStep(s, "lua", {
        ...ingressClass,
        [`${p}canary`]: "true",
        [`${p}canary-weight`]: "20",
        "test.kruise.io/lua-override": "weight-20",
      });

      // A script that raises: the step cannot route, and the status says why.
      await s.api.mergePatch(
        "v1",
        "ConfigMap",
        "kruise-rollout-configuration",
        { data: { [key]: 'error("boom from the test")' } },
        configNamespace,
      );
      await approve(cluster, s.ns, "lua");
      const failing = await eventually("the Lua failure in the status", async () => {
        const r = await readRollout(cluster, s.ns, "lua");
        return r.status?.message?.includes("boom from the test") ? r : undefined;
      });
      expect(failing.status?.message).toContain(key);
      expect(failing.status?.canaryStatus).toMatchObject({
        currentStepIndex: 2,
        currentStepState: "StepTrafficRouting",
      });
      // nothing was written by the failing call
      const stuck = await s.api.mustGet(ingressV1, "Ingress", "echoserver-canary");
      expect(stuck.metadata.annotations[`${p}canary-weight`]).toBe("20");

      // Without the override the built-in script takes over again; it keeps foreign annotations.
      await s.api.delete("v1", "ConfigMap", "kruise-rollout-configuration", configNamespace);
      await waitForStep(cluster, s.ns, "lua", 2, "StepPaused");
      await expectStep(s, "lua", {
        ...ingressClass,
        [`${p}canary`]: "true",
        [`${p}canary-weight`]: "50",
        "test.kruise.io/lua-override": "weight-20",
      });
    } finally {
      await s.api.delete("v1", "ConfigMap", "kruise-rollout-configuration", configNamespace);
    }
  });
});
