import { describe, expect, it } from "vitest";
import { controlInfo } from "../../../src/release/control/control-info.js";
import type { BatchRelease, Deployment } from "../../../src/release/model.js";
import { planBatchRelease } from "../../../src/release/plan.js";
import { releasePlanHash } from "../../../src/release/plan-hash.js";
import { templateHash } from "../../../src/release/template-hash.js";
import { deployment, now, pod, progressing, release, replicaSet, template } from "./fixtures.js";

const br = release(
  { rollingStyle: "Canary", batches: [{ canaryReplicas: "20%" }, { canaryReplicas: "100%" }] },
  "Deployment",
);
const stableTarget = { apiVersion: "apps/v1", kind: "Deployment", namespace: "ns", name: "demo" };
const canaryTarget = { apiVersion: "apps/v1", kind: "Deployment", namespace: "ns", name: "demo-abcde" };
const updateRevision = templateHash(template("v2"));

const stable = (extra: Parameters<typeof deployment>[0] = {}) =>
  deployment({
    paused: true,
    annotations: {
      "rollouts.kruise.io/in-progressing": "{}",
      "batchrelease.rollouts.kruise.io/control-info": controlInfo(br),
    },
    ...extra,
  });

function canary(
  replicas: number,
  status: Deployment["status"] = {},
  patchLabels: Record<string, string> = {},
): Deployment {
  const t = template("v2");
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "demo-abcde",
      namespace: "ns",
      uid: "canary-uid",
      generation: 1,
      creationTimestamp: "2026-01-01T00:00:00Z",
      labels: { "rollouts.kruise.io/canary-deployment": "demo" },
      finalizers: ["finalizer.rollouts.kruise.io/batch-release"],
      ownerReferences: [
        {
          apiVersion: "rollouts.kruise.io/v1beta1",
          kind: "BatchRelease",
          name: "demo",
          uid: "br-uid",
          controller: true,
        },
      ],
    },
    spec: { replicas, template: { ...t, metadata: { labels: { ...t.metadata.labels, ...patchLabels } } } },
    status: { observedGeneration: 1, replicas: 0, availableReplicas: 0, ...status },
  };
}

function preparing(r: BatchRelease = br): BatchRelease {
  return {
    ...r,
    status: {
      phase: "Preparing",
      observedReleasePlanHash: releasePlanHash(r.spec.releasePlan),
      observedRolloutID: "r1",
      observedWorkloadReplicas: -1,
      canaryStatus: { currentBatch: 0, updatedReplicas: 0, updatedReadyReplicas: 0 },
    },
  };
}

describe("Deployment canary control (spec §4.4)", () => {
  it("Initialize annotates the stable Deployment and creates the canary, staying Preparing", () => {
    const r = planBatchRelease(
      {
        release: preparing(
          release(
            { ...br.spec.releasePlan, patchPodTemplateMetadata: { labels: { version: "canary" } } },
            "Deployment",
          ),
        ),
        workload: deployment({ paused: true }),
      },
      now,
    );
    expect(r.status.phase).toBe("Preparing");
    expect(r.actions[0]).toEqual({
      kind: "patch",
      target: stableTarget,
      patchType: "strategic",
      patch: {
        metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": controlInfo(br) } },
      },
    });
    const created = r.actions[1] as { kind: "create"; object: Deployment };
    expect(created.kind).toBe("create");
    expect(created.object.metadata).toMatchObject({
      generateName: "demo-",
      namespace: "ns",
      labels: { "rollouts.kruise.io/canary-deployment": "demo" },
      finalizers: ["finalizer.rollouts.kruise.io/batch-release"],
      ownerReferences: [
        { kind: "BatchRelease", name: "demo", uid: "br-uid", controller: true, blockOwnerDeletion: true },
      ],
    });
    expect(created.object.spec).toMatchObject({ replicas: 0, paused: false });
    expect(created.object.spec.template.metadata?.labels).toEqual({ app: "demo", version: "canary" });
    expect(r.retry).toMatch(/waiting informer synced/);
  });

  it("does not create a second canary while the first is pending in the cache", () => {
    const r = planBatchRelease(
      { release: preparing(), workload: stable(), canaryCreationPending: true },
      now,
    );
    expect(r.actions).toEqual([]);
  });

  it("Initialize completes once the canary exists, recording replicas and the update revision", () => {
    const r = planBatchRelease({ release: preparing(), workload: stable(), deployments: [canary(0)] }, now);
    expect(r.actions).toEqual([]);
    expect(r.status).toMatchObject({
      phase: "Progressing",
      observedWorkloadReplicas: 4,
      stableRevision: "",
      updateRevision,
    });
  });

  it("UpgradeBatch scales the canary up to the batch size of the stable replicas, never down", () => {
    const p = progressing(br, 0, "Upgrading", { updateRevision, stableRevision: "" });
    const r = planBatchRelease({ release: p, workload: stable(), deployments: [canary(0)] }, now);
    expect(r.actions).toEqual([
      { kind: "patch", target: canaryTarget, patchType: "strategic", patch: { spec: { replicas: 1 } } },
    ]);
    expect(r.status.canaryStatus.batchState).toBe("Verifying");
    const again = planBatchRelease({ release: p, workload: stable(), deployments: [canary(3)] }, now);
    expect(again.actions).toEqual([]);
  });

  it("UpgradeBatch waits for the canary controller to observe its generation", () => {
    const c = canary(0);
    c.metadata.generation = 2;
    const r = planBatchRelease(
      { release: progressing(br, 0, "Upgrading", { updateRevision }), workload: stable(), deployments: [c] },
      now,
    );
    expect(r.retry).toMatch(/reconcile/);
    expect(r.status.canaryStatus.batchState).toBe("Upgrading");
  });

  it("Verifying labels canary pods (controller-revision-hash from the canary RS) and becomes Ready", () => {
    const counts = {
      currentBatch: 0,
      batchState: "Verifying" as const,
      updatedReplicas: 1,
      updatedReadyReplicas: 1,
    };
    const p = progressing(br, 0, "Verifying", { updateRevision, canaryStatus: counts });
    const rs = replicaSet("demo-abcde-k8s", "v2", 1, 1, { owner: "canary-uid" });
    const canaryPod = pod(
      "demo-abcde-k8s-1",
      { app: "demo", "pod-template-hash": "k8s" },
      rs.metadata.uid ?? "",
      true,
      "ReplicaSet",
      rs.metadata.name,
    );
    const r = planBatchRelease(
      {
        release: p,
        workload: stable(),
        deployments: [canary(1, { replicas: 1, availableReplicas: 1 })],
        replicaSets: [rs],
        pods: [canaryPod],
        legacyBatchLabels: false,
      },
      now,
    );
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target: { apiVersion: "v1", kind: "Pod", namespace: "ns", name: "demo-abcde-k8s-1" },
        patchType: "strategic",
        patch: {
          metadata: {
            labels: {
              "rollouts.kruise.io/rollout-id": "r1",
              "rollouts.kruise.io/rollout-batch-id": "1",
              "controller-revision-hash": updateRevision,
            },
          },
        },
      },
    ]);
    expect(r.status.canaryStatus).toMatchObject({ batchState: "Ready", batchReadyTime: now.toISOString() });
  });

  it("labels canary pods even when patchPodTemplateMetadata changed the canary template", () => {
    const patched = release(
      { ...br.spec.releasePlan, patchPodTemplateMetadata: { labels: { version: "canary" } } },
      "Deployment",
    );
    const counts = {
      currentBatch: 0,
      batchState: "Verifying" as const,
      updatedReplicas: 1,
      updatedReadyReplicas: 1,
    };
    const p = progressing(patched, 0, "Verifying", { updateRevision, canaryStatus: counts });
    const rs = replicaSet("demo-abcde-k8s", "v2", 1, 1, { owner: "canary-uid" });
    rs.spec.template.metadata = { labels: { app: "demo", version: "canary", "pod-template-hash": "k8s" } };
    const canaryPod = pod(
      "cp",
      { "pod-template-hash": "k8s" },
      rs.metadata.uid ?? "",
      true,
      "ReplicaSet",
      rs.metadata.name,
    );
    const r = planBatchRelease(
      {
        release: p,
        workload: stable(),
        deployments: [canary(1, { replicas: 1, availableReplicas: 1 }, { version: "canary" })],
        replicaSets: [rs],
        pods: [canaryPod],
      },
      now,
    );
    expect(r.actions[0]).toMatchObject({
      patch: {
        metadata: {
          labels: { "controller-revision-hash": updateRevision, "rollouts.kruise.io/rollout-batch-id": "1" },
        },
      },
    });
  });

  it("detects a new stable template as a revision change", () => {
    const p = progressing(br, 0, "Ready", { updateRevision: "older" });
    const r = planBatchRelease({ release: p, workload: stable(), deployments: [canary(1)] }, now);
    expect(r.status.updateRevision).toBe(updateRevision);
    expect(r.message).toMatch(/revision was changed/);
  });

  it("Finalize (WaitResume) unpauses the stable Deployment and waits for its own rollout", () => {
    const fin = release(
      { ...br.spec.releasePlan, batchPartition: null, finalizingPolicy: "WaitResume" },
      "Deployment",
    );
    const p = {
      ...fin,
      status: {
        phase: "Finalizing" as const,
        observedRolloutID: "r1",
        observedReleasePlanHash: "x",
        canaryStatus: { currentBatch: 1, updatedReplicas: 4, updatedReadyReplicas: 4 },
      },
    };
    const c = canary(4, { replicas: 4, availableReplicas: 4 });
    const first = planBatchRelease({ release: p, workload: stable(), deployments: [c] }, now);
    expect(first.actions).toEqual([
      {
        kind: "patch",
        target: stableTarget,
        patchType: "strategic",
        patch: {
          metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": null } },
          spec: { paused: false },
        },
      },
    ]);
    expect(first.status.phase).toBe("Finalizing");
    const rolling = stable({
      paused: false,
      annotations: {},
      status: { observedGeneration: 3, replicas: 5, updatedReplicas: 2, availableReplicas: 4 },
    });
    expect(planBatchRelease({ release: p, workload: rolling, deployments: [c] }, now).retry).toMatch(
      /all replicas should be upgraded/,
    );
    const finished = stable({
      paused: false,
      annotations: {},
      status: { observedGeneration: 3, replicas: 4, updatedReplicas: 4, availableReplicas: 3 },
    });
    const last = planBatchRelease({ release: p, workload: finished, deployments: [c] }, now);
    expect(last.actions).toEqual([
      {
        kind: "patch",
        target: canaryTarget,
        patchType: "json",
        patch: [
          { op: "test", path: "/metadata/finalizers", value: ["finalizer.rollouts.kruise.io/batch-release"] },
          { op: "replace", path: "/metadata/finalizers", value: [] },
        ],
      },
    ]);
    expect(last.status.phase).toBe("Completed");
  });

  it("Finalize (Immediate, deleted mid-release) keeps the stable paused while batchPartition is set", () => {
    const p = {
      ...br,
      metadata: { ...br.metadata, deletionTimestamp: "t" },
      status: {
        phase: "Finalizing" as const,
        observedRolloutID: "r1",
        observedReleasePlanHash: "x",
        canaryStatus: { currentBatch: 0, updatedReplicas: 0, updatedReadyReplicas: 0 },
      },
    };
    const r = planBatchRelease({ release: p, workload: stable(), deployments: [canary(1)] }, now);
    expect(r.actions[0]).toMatchObject({ patch: { spec: { paused: true } } });
    expect(r.actions[1]).toMatchObject({ target: canaryTarget, patchType: "json" });
    expect(r.status.phase).toBe("Completed");
  });

  it("Finalize removes its finalizer from a canary already being deleted (namespace deleted mid-release)", () => {
    const p = {
      ...br,
      metadata: { ...br.metadata, deletionTimestamp: "t" },
      status: {
        phase: "Finalizing" as const,
        observedRolloutID: "r1",
        observedReleasePlanHash: "x",
        canaryStatus: { currentBatch: 0, updatedReplicas: 0, updatedReadyReplicas: 0 },
      },
    };
    const c = canary(1);
    const terminating = { ...c, metadata: { ...c.metadata, deletionTimestamp: "t" } };
    const r = planBatchRelease({ release: p, workload: stable(), deployments: [terminating] }, now);
    expect(r.actions).toContainEqual(expect.objectContaining({ target: canaryTarget, patchType: "json" }));
    expect(r.status.phase).toBe("Completed");
  });
});
