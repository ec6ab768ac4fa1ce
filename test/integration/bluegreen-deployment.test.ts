import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  approve as approveStatus,
  type BlueGreenStatus,
  BlueGreenWatch,
  condition,
  httpRouteWeight,
  jump as jumpStatus,
  nginxWeight,
  rolloutOf,
  waitForPhase,
  waitForStep,
} from "./support/bluegreen.js";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  installCrds,
  type TestCluster,
} from "./support/cluster.js";
import {
  Api,
  createEchoserver,
  isReady,
  type Obj,
  oneFixture,
  rawClient,
  restorable,
  revisionOf,
  setImage,
  v1Image,
  v2Image,
} from "./support/traffic.js";

// Blue-green releases of a Deployment on the real control plane (spec §2.1, §3.4, §3.7, §4.7,
// §5.6), mirrored from upstream's "Bluegreen Release - Deployment - Ingress" and "HPA disable"
// e2e cases with their fixtures. New pods are surged beside the old ones, traffic moves by step,
// the old pods stay until the release is finalised, and a rollback gives the old version back
// exactly as it was. A watcher samples the Services, routes and pods all along and works out
// which share of requests reaches the new version, so every traffic change is checked, not only
// the paused steps.

const ingressV1 = "networking.k8s.io/v1";
const routeV1 = "gateway.networking.k8s.io/v1";
const p = "nginx.ingress.kubernetes.io/";
const v3Image = "cilium/echoserver:v3";
const maxReadySeconds = 2147483646;
const maxProgressSeconds = 2147483647;

let cluster: TestCluster;
const raw = rawClient();
const approve = (name: string, ns: string) => approveStatus(new Api(raw, ns), name);
const jump = (name: string, ns: string, step: number) => jumpStatus(new Api(raw, ns), name, step);
const namespaces: string[] = [];

beforeAll(async () => {
  cluster = connect();
  await installCrds(cluster, "gateway-api");
});
afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
});

// ---------------------------------------------------------------- the scene

interface Scene {
  api: Api;
  ns: string;
  deployment: Obj;
  service: Obj | undefined;
  stableHash: string;
  /** The v1 pods before the release. */
  v1Pods: string[];
}

async function scene(prefix: string): Promise<Scene> {
  const ns = await createNamespace(cluster, prefix);
  namespaces.push(ns);
  const api = new Api(raw, ns);
  const service = restorable(await createEchoserver(api));
  const stableHash = await revisionOf(api, v1Image);
  const deployment = await api.mustGet("apps/v1", "Deployment", "echoserver");
  const v1Pods = (await api.list("v1", "Pod", "app=echoserver")).map((pod) => pod.metadata.uid as string);
  return { api, ns, deployment, service, stableHash, v1Pods };
}

/** Upstream's rollout_v1beta1_bluegreen_base.yaml, optionally with other trafficRoutings. */
function blueGreenRollout(trafficRoutings?: Obj[]): Obj {
  const rollout = oneFixture("rollout/rollout_v1beta1_bluegreen_base.yaml");
  if (trafficRoutings) rollout.spec.strategy.blueGreen.trafficRoutings = trafficRoutings;
  return rollout;
}

const podsOf = async (s: Scene, image: string) =>
  (await s.api.list("v1", "Pod", "app=echoserver")).filter(
    (pod) => !pod.metadata.deletionTimestamp && pod.spec.containers[0].image === image,
  );

const sorted = (values: string[]) => [...values].sort();

/** The Deployment while a blue-green batch of `surge` is out (upstream's checks). */
async function expectSurged(s: Scene, surge: string, updated: number): Promise<void> {
  const d = await s.api.mustGet("apps/v1", "Deployment", "echoserver");
  expect(d.spec.paused ?? false).toBe(false);
  expect(d.spec.strategy).toEqual({
    type: "RollingUpdate",
    rollingUpdate: { maxSurge: surge, maxUnavailable: 0 },
  });
  expect(d.spec.minReadySeconds).toBe(maxReadySeconds);
  expect(d.spec.progressDeadlineSeconds).toBe(maxProgressSeconds);
  expect(JSON.parse(d.metadata.annotations["rollouts.kruise.io/original-deployment-strategy"])).toEqual({
    maxUnavailable: 0,
    maxSurge: 1,
    progressDeadlineSeconds: 600,
  });
  expect(d.status.updatedReplicas).toBe(updated);
  expect(d.status.readyReplicas).toBe(5 + updated);
  // every old pod is still there, Ready
  expect(sorted((await podsOf(s, v1Image)).filter(isReady).map((pod) => pod.metadata.uid))).toEqual(
    sorted(s.v1Pods),
  );
}

/** The Services while the release runs: stable pinned to v1, canary selecting v2. */
async function expectServices(s: Scene, canaryHash: string): Promise<void> {
  const stable = await s.api.mustGet("v1", "Service", "echoserver");
  expect(stable.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": s.stableHash });
  const canary = await s.api.mustGet("v1", "Service", "echoserver-canary");
  expect(canary.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": canaryHash });
}

async function expectCanaryWeight(s: Scene, weight: string | undefined): Promise<void> {
  const canary = await s.api.get(ingressV1, "Ingress", "echoserver-canary");
  if (weight === undefined) {
    expect(canary).toBeUndefined();
    return;
  }
  expect(canary?.metadata.annotations).toEqual({
    "kubernetes.io/ingress.class": "nginx",
    [`${p}canary`]: "true",
    [`${p}canary-weight`]: weight,
  });
}

/** The Deployment is as it was before the release, apart from its template. */
async function expectDeploymentRestored(s: Scene): Promise<Obj> {
  const d = await s.api.mustGet("apps/v1", "Deployment", "echoserver");
  expect({ ...d.spec, template: undefined }).toEqual({ ...s.deployment.spec, template: undefined });
  const annotations = (o: Obj) => {
    const { "deployment.kubernetes.io/revision": _revision, ...rest } = o.metadata.annotations ?? {};
    return rest;
  };
  expect(annotations(d)).toEqual(annotations(s.deployment));
  expect(d.metadata.labels).toEqual({
    ...s.deployment.metadata.labels,
    "rollouts.kruise.io/workload-type": "deployment",
  });
  return d;
}

async function expectNetworkRestored(s: Scene): Promise<void> {
  await s.api.gone("v1", "Service", "echoserver-canary");
  await s.api.gone(ingressV1, "Ingress", "echoserver-canary");
  expect(restorable(await s.api.get("v1", "Service", "echoserver"))).toEqual(s.service);
  await s.api.gone("rollouts.kruise.io/v1beta1", "BatchRelease", "rollouts-demo");
}

const batchLabelled = async (s: Scene, rolloutID: string, batch: string) =>
  (
    await s.api.list(
      "v1",
      "Pod",
      `rollouts.kruise.io/rollout-id=${rolloutID},rollouts.kruise.io/rollout-batch-id=${batch}`,
    )
  ).length;

// ---------------------------------------------------------------- the cases

describe("blue-green Deployment", () => {
  it("nginx Ingress: surges, switches traffic step by step, keeps the old pods until finalised, then restores everything", async () => {
    const s = await scene("bg-nginx");
    await s.api.create(oneFixture("rollout/nginx_ingress.yaml"));
    const hpa = oneFixture("rollout/hpa_v2.yaml");
    await s.api.create(hpa);
    await s.api.create(blueGreenRollout());
    await waitForPhase(s.api, "rollouts-demo", "Healthy");
    const watch = new BlueGreenWatch(s.api, nginxWeight);
    await setImage(s.api, "echoserver", v2Image);

    // step 1: 50% new pods beside the old ones, no traffic to them
    let r = await waitForStep(s.api, "rollouts-demo", 1);
    const canaryHash = await revisionOf(s.api, v2Image);
    expect(r.status.canaryStatus).toBeUndefined();
    const bg: BlueGreenStatus = r.status.blueGreenStatus;
    expect(bg).toMatchObject({
      stableRevision: s.stableHash,
      podTemplateHash: canaryHash,
      rolloutHash: r.metadata.annotations["rollouts.kruise.io/hash"],
      currentStepIndex: 1,
      nextStepIndex: 2,
      updatedReplicas: 3,
      updatedReadyReplicas: 3,
    });
    expect(r.status.message).toBe(
      "Rollout is in step(1/4), and you need manually confirm to enter the next step",
    );
    await expectSurged(s, "50%", 3);
    await expectServices(s, canaryHash);
    await expectCanaryWeight(s, undefined);
    expect((await watch.now()).share).toBe(0);
    // the HPA is detached while two versions run side by side
    expect(
      (await s.api.mustGet("autoscaling/v2", "HorizontalPodAutoscaler", "hpa-dp")).spec.scaleTargetRef.name,
    ).toBe("echoserver-DisableByRollout");

    // step 2: every new pod up, still no traffic
    await approve("rollouts-demo", s.ns);
    r = await waitForStep(s.api, "rollouts-demo", 2);
    expect(r.status.blueGreenStatus).toMatchObject({
      nextStepIndex: 3,
      updatedReplicas: 5,
      updatedReadyReplicas: 5,
    });
    await expectSurged(s, "100%", 5);
    await expectServices(s, canaryHash);
    expect((await watch.now()).share).toBe(0);
    const rolloutID = r.status.blueGreenStatus.observedRolloutID;
    expect(rolloutID).toBeTruthy();
    await eventually(
      "batch labels",
      async () =>
        (await batchLabelled(s, rolloutID, "1")) === 3 && (await batchLabelled(s, rolloutID, "2")) === 2,
    );

    // step 3: half the requests to the new version
    await approve("rollouts-demo", s.ns);
    r = await waitForStep(s.api, "rollouts-demo", 3);
    expect(r.status.blueGreenStatus).toMatchObject({ nextStepIndex: 4, updatedReplicas: 5 });
    await expectSurged(s, "100%", 5);
    await expectServices(s, canaryHash);
    await expectCanaryWeight(s, "50");
    expect((await watch.now()).share).toBe(0.5);

    // step 4: every request to the new version; the old pods still stand by
    await approve("rollouts-demo", s.ns);
    r = await waitForStep(s.api, "rollouts-demo", 4);
    await expectSurged(s, "100%", 5);
    await expectServices(s, canaryHash);
    await expectCanaryWeight(s, "100");
    expect((await watch.now()).share).toBe(1);

    // final approval: finalised in upstream's blue-green Success order
    const finalApproval = Date.now();
    await approve("rollouts-demo", s.ns);
    r = await waitForPhase(s.api, "rollouts-demo", "Healthy");
    expect(condition(r, "Progressing")).toMatchObject({ reason: "Completed", status: "False" });
    expect(condition(r, "Succeeded")?.status).toBe("True");
    expect(r.status.blueGreenStatus.finalisingStep).toBe("END");
    expect(r.status.canaryStatus).toBeUndefined();
    await expectNetworkRestored(s);
    const d = await expectDeploymentRestored(s);
    expect(d.spec.template.spec.containers[0].image).toBe(v2Image);
    await eventually("5 new pods and no old one", async () => {
      const pods = await s.api.list("v1", "Pod", "app=echoserver");
      return (
        pods.length === 5 && pods.every((pod) => pod.spec.containers[0].image === v2Image && isReady(pod))
      );
    });
    expect(
      (await s.api.mustGet("autoscaling/v2", "HorizontalPodAutoscaler", "hpa-dp")).spec.scaleTargetRef,
    ).toEqual(hpa.spec.scaleTargetRef);
    const end = (await watch.now()).at;
    await watch.stop();

    expect(watch.violations).toEqual([]);
    // requests moved 0 → 50% → 100% and never back, and no new pod got any before step 3
    expect(watch.shares()).toEqual([0, 0.5, 1]);
    // until the final approval every old pod served (or stood by), Ready
    for (const sample of watch.between(0, finalApproval)) expect(sorted(sample.v1)).toEqual(sorted(s.v1Pods));
    expect(watch.between(finalApproval, end).at(-1)?.v1).toEqual([]);
  }, 600_000);

  it("nginx Ingress: refuses a further version, follows step jumps back, and a rollback restores the old version in full", async () => {
    const s = await scene("bg-rollback");
    await s.api.create(oneFixture("rollout/nginx_ingress.yaml"));
    await s.api.create(blueGreenRollout());
    await waitForPhase(s.api, "rollouts-demo", "Healthy");
    const watch = new BlueGreenWatch(s.api, nginxWeight);
    await setImage(s.api, "echoserver", v2Image);
    await waitForStep(s.api, "rollouts-demo", 1);
    const canaryHash = await revisionOf(s.api, v2Image);

    // v3 in the middle of a blue-green release is held and refused (upstream: rollback first)
    await setImage(s.api, "echoserver", v3Image);
    const refused = await eventually("the refusal", async () => {
      const r = await rolloutOf(s.api, "rollouts-demo");
      return r.status?.message?.includes("please rollback first") ? r : undefined;
    });
    expect(condition(refused, "Progressing")?.message).toBe(
      "new version releasing detected in the progress of blue-green release, please rollback first",
    );
    expect((await s.api.mustGet("apps/v1", "Deployment", "echoserver")).spec.paused).toBe(true);
    expect(await podsOf(s, v3Image)).toEqual([]);
    // back to v2: the release carries on where it was
    await setImage(s.api, "echoserver", v2Image);
    await waitForStep(s.api, "rollouts-demo", 1);
    for (const step of [2, 3, 4]) {
      await approve("rollouts-demo", s.ns);
      await waitForStep(s.api, "rollouts-demo", step);
    }
    await expectCanaryWeight(s, "100");
    expect((await watch.now()).share).toBe(1);

    // jumping back moves the traffic back, the pods stay
    await jump("rollouts-demo", s.ns, 3);
    await eventually("step 3 again", async () => (await watch.now()).share === 0.5);
    await waitForStep(s.api, "rollouts-demo", 3);
    await expectCanaryWeight(s, "50");
    await expectSurged(s, "100%", 5);
    await jump("rollouts-demo", s.ns, 2);
    await eventually("step 2 again", async () => (await watch.now()).share === 0);
    const r = await waitForStep(s.api, "rollouts-demo", 2);
    expect(r.status.blueGreenStatus).toMatchObject({ nextStepIndex: 3, updatedReplicas: 5 });
    await expectCanaryWeight(s, "0");
    await expectServices(s, canaryHash);
    // nextStepIndex already says 3 here: moving on is an approval, as upstream
    await approve("rollouts-demo", s.ns);
    await waitForStep(s.api, "rollouts-demo", 3);
    expect((await watch.now()).share).toBe(0.5);

    // rollback with half the requests on v2: traffic goes back first, then the v2 pods go
    const rollback = Date.now();
    await setImage(s.api, "echoserver", v1Image);
    const done = await waitForPhase(s.api, "rollouts-demo", "Healthy");
    expect(condition(done, "Progressing")).toMatchObject({ reason: "Completed", status: "False" });
    expect(condition(done, "Succeeded")?.status).toBe("False");
    await expectNetworkRestored(s);
    await expectDeploymentRestored(s);
    await eventually("only the old pods", async () => (await podsOf(s, v2Image)).length === 0);
    // the very pods that ran before the release, none replaced
    const live = await s.api.list("v1", "Pod", "app=echoserver");
    expect(sorted(live.map((pod) => pod.metadata.uid))).toEqual(sorted(s.v1Pods));
    expect(live.every(isReady)).toBe(true);
    const rolloutID = done.status.blueGreenStatus.observedRolloutID;
    expect(await batchLabelled(s, rolloutID, "1")).toBe(0);
    const end = (await watch.now()).at;
    await watch.stop();

    expect(watch.violations).toEqual([]);
    expect(watch.shares()).toEqual([0, 0.5, 1, 0.5, 0, 0.5, 0]);
    // every old pod stood by throughout; after the rollback no request reached v2 again
    for (const sample of watch.samples) expect(sorted(sample.v1)).toEqual(sorted(s.v1Pods));
    expect(watch.shares(watch.between(rollback, end).find((x) => x.share === 0)?.at ?? end)).toEqual([0]);
  }, 600_000);

  it("Gateway API HTTPRoute: the same release moves the route's weights and restores the route", async () => {
    const s = await scene("bg-gateway");
    const route = await s.api.create({ ...oneFixture("gateway/httproute-test.yaml"), apiVersion: routeV1 });
    await s.api.create(
      blueGreenRollout([
        { service: "echoserver", gateway: { httpRouteName: "echoserver" }, gracePeriodSeconds: 1 },
      ]),
    );
    await waitForPhase(s.api, "rollouts-demo", "Healthy");
    const watch = new BlueGreenWatch(s.api, httpRouteWeight);
    await setImage(s.api, "echoserver", v2Image);
    const ref = (name: string, weight: number) => ({ group: "", kind: "Service", name, port: 80, weight });
    const expectRefs = async (refs: Obj[]) =>
      expect((await s.api.mustGet(routeV1, "HTTPRoute", "echoserver")).spec.rules[0].backendRefs).toEqual(
        refs,
      );

    await waitForStep(s.api, "rollouts-demo", 1);
    const canaryHash = await revisionOf(s.api, v2Image);
    await expectServices(s, canaryHash);
    await expectSurged(s, "50%", 3);
    expect((await watch.now()).share).toBe(0);
    const expected = [
      { step: 2, refs: [ref("echoserver", 100), ref("echoserver-canary", 0)], share: 0 },
      { step: 3, refs: [ref("echoserver", 50), ref("echoserver-canary", 50)], share: 0.5 },
      { step: 4, refs: [ref("echoserver", 0), ref("echoserver-canary", 100)], share: 1 },
    ];
    for (const e of expected) {
      await approve("rollouts-demo", s.ns);
      await waitForStep(s.api, "rollouts-demo", e.step);
      await expectRefs(e.refs);
      await expectSurged(s, "100%", 5);
      expect((await watch.now()).share).toBe(e.share);
    }
    const finalApproval = Date.now();
    await approve("rollouts-demo", s.ns);
    const done = await waitForPhase(s.api, "rollouts-demo", "Healthy");
    expect(condition(done, "Succeeded")?.status).toBe("True");
    await expectNetworkRestored(s);
    await expectDeploymentRestored(s);
    // upstream's restore leaves the stable backendRef at weight 1
    await expectRefs([ref("echoserver", 1)]);
    expect((await s.api.mustGet(routeV1, "HTTPRoute", "echoserver")).spec.rules[0].matches).toEqual(
      route.spec.rules[0].matches,
    );
    await eventually("only new pods", async () => (await podsOf(s, v1Image)).length === 0);
    await watch.stop();

    expect(watch.violations).toEqual([]);
    expect(watch.shares()).toEqual([0, 0.5, 1]);
    for (const sample of watch.between(0, finalApproval)) expect(sorted(sample.v1)).toEqual(sorted(s.v1Pods));
  }, 600_000);

  it("an autoscaling/v1 HPA is detached for the release and re-attached when the Rollout is disabled", async () => {
    const s = await scene("bg-hpa");
    await s.api.create(oneFixture("rollout/nginx_ingress.yaml"));
    await s.api.create(blueGreenRollout());
    await waitForPhase(s.api, "rollouts-demo", "Healthy");
    const hpa = await s.api.create(oneFixture("rollout/hpa_v1.yaml"));
    expect(hpa.spec.scaleTargetRef.name).toBe("echoserver");
    await setImage(s.api, "echoserver", v2Image);
    const r = await waitForStep(s.api, "rollouts-demo", 1);
    expect(r.status.blueGreenStatus).toMatchObject({ updatedReplicas: 3, updatedReadyReplicas: 3 });
    expect(
      (await s.api.mustGet("autoscaling/v1", "HorizontalPodAutoscaler", "hpa-dp")).spec.scaleTargetRef,
    ).toEqual({
      ...hpa.spec.scaleTargetRef,
      name: "echoserver-DisableByRollout",
    });

    // disabling finishes the release with the workload's own rolling update
    await s.api.mergePatch("rollouts.kruise.io/v1beta1", "Rollout", "rollouts-demo", {
      spec: { disabled: true },
    });
    await waitForPhase(s.api, "rollouts-demo", "Disabled");
    await expectNetworkRestored(s);
    const d = await expectDeploymentRestored(s);
    expect(d.spec.template.spec.containers[0].image).toBe(v2Image);
    await eventually("5 new pods", async () => {
      const pods = await s.api.list("v1", "Pod", "app=echoserver");
      return pods.length === 5 && pods.every((pod) => pod.spec.containers[0].image === v2Image);
    });
    expect(
      (await s.api.mustGet("autoscaling/v1", "HorizontalPodAutoscaler", "hpa-dp")).spec.scaleTargetRef,
    ).toEqual(hpa.spec.scaleTargetRef);
  }, 600_000);
});
