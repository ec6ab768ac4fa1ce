import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningKruise } from "../../src/devcluster/kruise.js";
import {
  approve,
  BlueGreenWatch,
  condition,
  jump,
  nginxWeight,
  waitForPhase,
  waitForStep,
} from "./support/bluegreen.js";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { startTestKruise } from "./support/kruise.js";
import {
  Api,
  isReady,
  type Obj,
  oneFixture,
  rawClient,
  restorable,
  revisionOf,
  v1Image,
  v2Image,
} from "./support/traffic.js";

// Blue-green releases of an OpenKruise CloneSet with the real kruise-manager (spec §2.1, §4.7),
// mirrored from upstream's "Bluegreen Release - Cloneset - Ingress" e2e cases and fixtures: the
// new pods are surged beside the old ones, traffic moves by step through the nginx Ingress, the
// old pods stay until the release is finalised, and a rollback gives back the very old pods.

const ingressV1 = "networking.k8s.io/v1";
const cloneSetV1alpha1 = "apps.kruise.io/v1alpha1";
const p = "nginx.ingress.kubernetes.io/";

let cluster: TestCluster;
let kruise: RunningKruise | undefined;
const raw = rawClient();
const namespaces: string[] = [];

beforeAll(async () => {
  cluster = connect();
  kruise = await startTestKruise();
});
afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
  await kruise?.stop();
});

interface Scene {
  api: Api;
  ns: string;
  cloneSet: Obj;
  service: Obj | undefined;
  stableHash: string;
  v1Pods: string[];
}

/** Upstream's CloneSet, Service and nginx Ingress, all Ready, and the blue-green Rollout Healthy. */
async function scene(prefix: string): Promise<Scene> {
  const ns = await createNamespace(cluster, prefix);
  namespaces.push(ns);
  const api = new Api(raw, ns);
  await api.create(oneFixture("rollout/cloneset.yaml"));
  const service = restorable(await api.create(oneFixture("rollout/service.yaml")));
  await api.create(oneFixture("rollout/nginx_ingress.yaml"));
  await eventually(
    "echoserver Ready",
    async () => {
      const pods = await api.list("v1", "Pod", "app=echoserver");
      return pods.length === 5 && pods.every(isReady);
    },
    180_000,
  );
  await api.create(oneFixture("rollout/rollout_v1beta1_bluegreen_cloneset_base.yaml"));
  await waitForPhase(api, "rollouts-demo", "Healthy");
  const cloneSet = await api.mustGet(cloneSetV1alpha1, "CloneSet", "echoserver");
  const v1Pods = (await api.list("v1", "Pod", "app=echoserver")).map((pod) => pod.metadata.uid as string);
  return { api, ns, cloneSet, service, stableHash: await revisionOf(api, v1Image), v1Pods };
}

async function setImage(s: Scene, image: string): Promise<void> {
  await s.api.client.request({
    method: "PATCH",
    path: `/apis/apps.kruise.io/v1alpha1/namespaces/${s.ns}/clonesets/echoserver`,
    contentType: "application/json-patch+json",
    body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: image }],
  });
}

const sorted = (values: string[]) => [...values].sort();

/** The CloneSet while the new pods stand beside every old one. */
async function expectSurged(s: Scene, surge: string): Promise<void> {
  const c = await s.api.mustGet(cloneSetV1alpha1, "CloneSet", "echoserver");
  expect(c.spec.minReadySeconds).toBe(2147483646);
  expect(c.spec.updateStrategy).toMatchObject({ maxSurge: surge, maxUnavailable: 0 });
  expect(c.spec.updateStrategy.paused ?? false).toBe(false);
  expect(c.spec.updateStrategy.partition ?? 0).toBe(0);
  expect(JSON.parse(c.metadata.annotations["rollouts.kruise.io/original-deployment-strategy"])).toEqual({
    maxUnavailable: 0,
    maxSurge: 1,
  });
  expect(c.status).toMatchObject({ replicas: 10, updatedReplicas: 5, updatedReadyReplicas: 5 });
  const old = (await s.api.list("v1", "Pod", "app=echoserver")).filter(
    (pod) => pod.spec.containers[0].image === v1Image && isReady(pod) && !pod.metadata.deletionTimestamp,
  );
  expect(sorted(old.map((pod) => pod.metadata.uid))).toEqual(sorted(s.v1Pods));
}

async function expectRouting(s: Scene, canaryHash: string, weight: string | undefined): Promise<void> {
  const stable = await s.api.mustGet("v1", "Service", "echoserver");
  expect(stable.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": s.stableHash });
  const canary = await s.api.mustGet("v1", "Service", "echoserver-canary");
  expect(canary.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": canaryHash });
  const ingress = await s.api.get(ingressV1, "Ingress", "echoserver-canary");
  if (weight === undefined) expect(ingress).toBeUndefined();
  else expect(ingress?.metadata.annotations?.[`${p}canary-weight`]).toBe(weight);
}

/** Services, Ingress, BatchRelease and the CloneSet's strategy are as before the release. */
async function expectRestored(s: Scene): Promise<void> {
  await s.api.gone("v1", "Service", "echoserver-canary");
  await s.api.gone(ingressV1, "Ingress", "echoserver-canary");
  await s.api.gone("rollouts.kruise.io/v1beta1", "BatchRelease", "rollouts-demo");
  expect(restorable(await s.api.get("v1", "Service", "echoserver"))).toEqual(s.service);
  const c = await s.api.mustGet(cloneSetV1alpha1, "CloneSet", "echoserver");
  expect(c.spec.minReadySeconds ?? 0).toBe(0);
  const { partition, paused, ...strategy } = c.spec.updateStrategy;
  expect(partition ?? 0).toBe(0);
  expect(paused ?? false).toBe(false);
  const { partition: _p, paused: _q, ...original } = s.cloneSet.spec.updateStrategy;
  expect(strategy).toEqual(original);
  for (const key of [
    "rollouts.kruise.io/original-deployment-strategy",
    "batchrelease.rollouts.kruise.io/control-info",
    "rollouts.kruise.io/in-progressing",
  ])
    expect(c.metadata.annotations?.[key]).toBeUndefined();
}

describe("blue-green CloneSet (real kruise-manager)", () => {
  it("surges every new pod, switches traffic step by step, keeps the old pods until finalised, then restores everything", async () => {
    const s = await scene("bg-cloneset");
    const watch = new BlueGreenWatch(s.api, nginxWeight);
    await setImage(s, v2Image);

    let r = await waitForStep(s.api, "rollouts-demo", 1);
    const canaryHash = await revisionOf(s.api, v2Image);
    expect(r.status.canaryStatus).toBeUndefined();
    expect(r.status.blueGreenStatus).toMatchObject({
      stableRevision: s.stableHash,
      podTemplateHash: canaryHash,
      currentStepIndex: 1,
      nextStepIndex: 2,
      updatedReplicas: 5,
      updatedReadyReplicas: 5,
    });
    await expectSurged(s, "100%");
    await expectRouting(s, canaryHash, undefined);
    expect((await watch.now()).share).toBe(0);
    const rolloutID = r.status.blueGreenStatus.observedRolloutID;
    await eventually(
      "batch labels",
      async () =>
        (
          await s.api.list(
            "v1",
            "Pod",
            `rollouts.kruise.io/rollout-id=${rolloutID},rollouts.kruise.io/rollout-batch-id=1`,
          )
        ).length === 5,
    );

    for (const [step, weight, share] of [
      [2, "50", 0.5],
      [3, "100", 1],
    ] as const) {
      await approve(s.api, "rollouts-demo");
      r = await waitForStep(s.api, "rollouts-demo", step);
      await expectSurged(s, "100%");
      await expectRouting(s, canaryHash, weight);
      expect((await watch.now()).share).toBe(share);
    }

    const finalApproval = Date.now();
    await approve(s.api, "rollouts-demo");
    r = await waitForPhase(s.api, "rollouts-demo", "Healthy");
    expect(condition(r, "Progressing")).toMatchObject({ reason: "Completed", status: "False" });
    expect(condition(r, "Succeeded")?.status).toBe("True");
    await expectRestored(s);
    await eventually(
      "5 new pods and no old one",
      async () => {
        const pods = await s.api.list("v1", "Pod", "app=echoserver");
        return (
          pods.length === 5 && pods.every((pod) => pod.spec.containers[0].image === v2Image && isReady(pod))
        );
      },
      180_000,
    );
    await watch.stop();
    expect(watch.violations).toEqual([]);
    expect(watch.shares()).toEqual([0, 0.5, 1]);
    for (const sample of watch.between(0, finalApproval)) expect(sorted(sample.v1)).toEqual(sorted(s.v1Pods));
  }, 900_000);

  it("jumps back to no traffic and a rollback restores the very old pods", async () => {
    const s = await scene("bg-cloneset-rb");
    const watch = new BlueGreenWatch(s.api, nginxWeight);
    await setImage(s, v2Image);
    await waitForStep(s.api, "rollouts-demo", 1);
    for (const step of [2, 3]) {
      await approve(s.api, "rollouts-demo");
      await waitForStep(s.api, "rollouts-demo", step);
    }
    expect((await watch.now()).share).toBe(1);
    // upstream's traffic rollback: back to step 2, then step 1
    await jump(s.api, "rollouts-demo", 2);
    await eventually("step 2 again", async () => (await watch.now()).share === 0.5);
    await waitForStep(s.api, "rollouts-demo", 2);
    await jump(s.api, "rollouts-demo", 1);
    await eventually("step 1 again", async () => (await watch.now()).share === 0);
    await waitForStep(s.api, "rollouts-demo", 1);
    await expectSurged(s, "100%");
    await expectRouting(s, await revisionOf(s.api, v2Image), "0");

    await setImage(s, v1Image);
    const done = await waitForPhase(s.api, "rollouts-demo", "Healthy");
    expect(condition(done, "Progressing")).toMatchObject({ reason: "Completed", status: "False" });
    expect(condition(done, "Succeeded")?.status).toBe("False");
    await expectRestored(s);
    await eventually(
      "only the old pods",
      async () => {
        const pods = await s.api.list("v1", "Pod", "app=echoserver");
        return pods.length === 5 && pods.every((pod) => pod.spec.containers[0].image === v1Image);
      },
      180_000,
    );
    const live = await s.api.list("v1", "Pod", "app=echoserver");
    expect(sorted(live.map((pod) => pod.metadata.uid))).toEqual(sorted(s.v1Pods));
    await watch.stop();
    expect(watch.violations).toEqual([]);
    expect(watch.shares()).toEqual([0, 0.5, 1, 0.5, 0]);
    for (const sample of watch.samples) expect(sorted(sample.v1)).toEqual(sorted(s.v1Pods));
  }, 900_000);
});
