import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { approve, readRollout, rolloutFor, waitForPhase, waitForStep } from "./support/rollouts.js";
import { deployment, imageOf, isPodReady, statefulSet } from "./support/workloads.js";

// Issue acceptance: a 3-step rollout (1 replica with a manual pause, 50% with a 5 s
// pause, then 100%) for each workload style, checked at every step.

const R = 4;
const steps = [{ replicas: 1 }, { replicas: "50%", pause: { duration: 5 } }, { replicas: "100%" }];

interface Variant {
  name: string;
  kind: "Deployment" | "StatefulSet";
  canaryStyle: boolean;
  /** Old pods still expected while `updated` new pods run. */
  oldWhile: (updated: number) => number;
}

const variants: Variant[] = [
  { name: "StatefulSet (partition)", kind: "StatefulSet", canaryStyle: false, oldWhile: (n) => R - n },
  { name: "Deployment (canary style)", kind: "Deployment", canaryStyle: true, oldWhile: () => R },
  { name: "Deployment (partition style)", kind: "Deployment", canaryStyle: false, oldWhile: (n) => R - n },
];

let cluster: TestCluster;
const namespaces: string[] = [];

beforeAll(() => {
  cluster = connect();
});
afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
});

async function pods(ns: string): Promise<k8s.V1Pod[]> {
  return (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );
}

async function setImage(v: Variant, ns: string, image: string): Promise<void> {
  const body = [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: image }];
  const opts = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);
  if (v.kind === "Deployment")
    await cluster.apps.patchNamespacedDeployment({ namespace: ns, name: "web", body }, opts);
  else await cluster.apps.patchNamespacedStatefulSet({ namespace: ns, name: "web", body }, opts);
}

function counts(list: k8s.V1Pod[]) {
  const ready = list.filter(isPodReady);
  return {
    oldReady: ready.filter((p) => imageOf(p) === "echo:v1").length,
    newReady: ready.filter((p) => imageOf(p) === "echo:v2").length,
    old: list.filter((p) => imageOf(p) === "echo:v1").length,
  };
}

describe.each(variants)("$name", (v) => {
  it("releases batch by batch with exact pod counts, labels and states", async () => {
    const ns = await createNamespace(cluster, "engine");
    namespaces.push(ns);
    if (v.kind === "Deployment") {
      await cluster.apps.createNamespacedDeployment({
        namespace: ns,
        body: deployment(ns, "web", R, "echo:v1"),
      });
    } else {
      await cluster.apps.createNamespacedStatefulSet({
        namespace: ns,
        body: statefulSet(ns, "web", R, "echo:v1"),
      });
    }
    await eventually("v1 Ready", async () => counts(await pods(ns)).oldReady === R);
    const canary = { steps, enableExtraWorkloadForCanary: v.canaryStyle };
    await cluster.objects.create(
      rolloutFor(ns, "web", { apiVersion: "apps/v1", kind: v.kind, name: "web" }, canary),
    );
    await waitForPhase(cluster, ns, "web", "Healthy");

    await setImage(v, ns, "echo:v2");
    // The hold: nothing is replaced until the Rollout releases batch 1.
    const held = counts(await pods(ns));
    expect(held.old).toBe(R);

    const step1 = await waitForStep(cluster, ns, "web", 1, "StepPaused");
    expect(step1.status?.phase).toBe("Progressing");
    expect(step1.status?.message).toBe(
      "Rollout is in step(1/3), and you need manually confirm to enter the next step",
    );
    const rolloutId = step1.status?.canaryStatus?.observedRolloutID;
    expect(rolloutId).toBeTruthy();
    const at1 = await eventually("batch 1 settled", async () => {
      const c = counts(await pods(ns));
      return c.newReady === 1 && c.oldReady === v.oldWhile(1) ? c : undefined;
    });
    expect(at1.old).toBe(v.oldWhile(1));
    const batch1 = (await pods(ns)).filter((p) => imageOf(p) === "echo:v2");
    for (const p of batch1) {
      expect(p.metadata?.labels?.["rollouts.kruise.io/rollout-batch-id"]).toBe("1");
      expect(p.metadata?.labels?.["apps.kruise.io/rollout-batch-id"]).toBe("1");
      expect(p.metadata?.labels?.["rollouts.kruise.io/rollout-id"]).toBe(rolloutId);
      expect(p.metadata?.labels?.["apps.kruise.io/rollout-id"]).toBe(rolloutId);
    }
    // A manual pause holds: nothing moves while we wait.
    await new Promise((r) => setTimeout(r, 2000));
    expect(counts(await pods(ns)).newReady).toBe(1);
    expect((await readRollout(cluster, ns, "web")).status?.canaryStatus?.currentStepState).toBe("StepPaused");

    await approve(cluster, ns, "web");
    const step2 = await waitForStep(cluster, ns, "web", 2, "StepPaused");
    expect(step2.status?.message).toBe(
      "Rollout is in step(2/3), and wait duration(5 seconds) to enter the next step",
    );
    const at2 = counts(await pods(ns));
    expect(at2.newReady).toBe(2);
    expect(at2.oldReady).toBe(v.oldWhile(2));
    const byBatch = (await pods(ns))
      .filter((p) => imageOf(p) === "echo:v2")
      .map((p) => p.metadata?.labels?.["rollouts.kruise.io/rollout-batch-id"])
      .sort();
    expect(byBatch).toEqual(["1", "2"]);

    // The timed pause moves on by itself; the last step (100%) needs no approval.
    const done = await waitForPhase(cluster, ns, "web", "Healthy");
    expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
    expect(done.status?.canaryStatus?.finalisingStep).toBe("END");
    const final = await eventually("every pod on v2", async () => {
      const list = await pods(ns);
      return list.length === R && list.every((p) => isPodReady(p) && imageOf(p) === "echo:v2")
        ? list
        : undefined;
    });
    expect(final).toHaveLength(R);

    // Nothing left behind: not paused, no partition, no BatchRelease, no canary Deployment.
    if (v.kind === "Deployment") {
      const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: "web" });
      expect(d.spec?.paused ?? false).toBe(false);
      expect(d.metadata?.annotations?.["rollouts.kruise.io/in-progressing"]).toBeUndefined();
      const all = await cluster.apps.listNamespacedDeployment({ namespace: ns });
      await eventually(
        "canary Deployment removed",
        async () => (await cluster.apps.listNamespacedDeployment({ namespace: ns })).items.length === 1,
      );
      expect(all.items.map((x) => x.metadata?.name)).toContain("web");
    } else {
      const s = await cluster.apps.readNamespacedStatefulSet({ namespace: ns, name: "web" });
      expect(s.spec?.updateStrategy?.rollingUpdate?.partition ?? 0).toBe(0);
    }
    await eventually("BatchRelease removed", async () => {
      const list = (await cluster.objects.list("rollouts.kruise.io/v1beta1", "BatchRelease", ns)).items;
      return list.length === 0;
    });
  });
});
