import { describe, expect, it } from "vitest";
import { controlInfo } from "../../../src/release/control/control-info.js";
import { planBatchRelease, releaseRequeueMs } from "../../../src/release/plan.js";
import { releasePlanHash } from "../../../src/release/plan-hash.js";
import { now, pod, progressing, release, statefulSet } from "./fixtures.js";

const br = release({});
const target = { apiVersion: "apps/v1", kind: "StatefulSet", namespace: "ns", name: "demo" };

/** A Preparing release whose refreshable fields already match, so the phase machine runs. */
function preparing() {
  return {
    ...br,
    status: {
      phase: "Preparing" as const,
      observedReleasePlanHash: releasePlanHash(br.spec.releasePlan),
      observedRolloutID: "r1",
      observedWorkloadReplicas: -1,
      canaryStatus: { currentBatch: 0, updatedReplicas: 0, updatedReadyReplicas: 0 },
    },
  };
}

describe("StatefulSet partition control (spec §4.8)", () => {
  it("Initialize writes control-info and partition 32767, records revisions, goes Progressing", () => {
    const r = planBatchRelease({ release: preparing(), workload: statefulSet() }, now);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: {
          metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": controlInfo(br) } },
          spec: { updateStrategy: { rollingUpdate: { partition: 32767, paused: false } } },
        },
      },
    ]);
    expect(r.status).toMatchObject({
      phase: "Progressing",
      stableRevision: "demo-v1",
      updateRevision: "demo-v2",
      observedWorkloadReplicas: 4,
    });
    expect(r.requeueAfterMs).toBe(releaseRequeueMs);
    expect(JSON.parse(controlInfo(br))).toEqual({
      apiVersion: "rollouts.kruise.io/v1beta1",
      kind: "BatchRelease",
      name: "demo",
      uid: "br-uid",
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  it("Initialize skips the patch when already controlled", () => {
    const r = planBatchRelease({ release: preparing(), workload: statefulSet({ controlled: br }) }, now);
    expect(r.actions).toEqual([]);
    expect(r.status.phase).toBe("Progressing");
  });

  it("UpgradeBatch lowers the partition to R - planned and labels the batch", () => {
    const counts = {
      currentBatch: 1,
      batchState: "Upgrading" as const,
      updatedReplicas: 0,
      updatedReadyReplicas: 2,
    };
    const p = progressing(br, 1, "Upgrading", { canaryStatus: counts });
    const sts = statefulSet({ partition: 3, controlled: br });
    const pods = [
      pod(
        "demo-3",
        {
          "controller-revision-hash": "v2",
          "rollouts.kruise.io/rollout-id": "r1",
          "rollouts.kruise.io/rollout-batch-id": "1",
        },
        "sts-uid",
      ),
      pod("demo-2", { "controller-revision-hash": "v2" }, "sts-uid"),
      pod("demo-1", { "controller-revision-hash": "v1" }, "sts-uid"),
    ];
    const r = planBatchRelease({ release: p, workload: sts, pods, legacyBatchLabels: false }, now);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: { spec: { updateStrategy: { rollingUpdate: { partition: 2 } } } },
      },
      {
        kind: "patch",
        target: { apiVersion: "v1", kind: "Pod", namespace: "ns", name: "demo-2" },
        patchType: "strategic",
        patch: {
          metadata: {
            labels: { "rollouts.kruise.io/rollout-id": "r1", "rollouts.kruise.io/rollout-batch-id": "2" },
          },
        },
      },
    ]);
    expect(r.status.canaryStatus.batchState).toBe("Verifying");
  });

  it("UpgradeBatch never raises the partition", () => {
    const p = progressing(br, 0, "Upgrading");
    const r = planBatchRelease({ release: p, workload: statefulSet({ partition: 1, controlled: br }) }, now);
    expect(r.actions).toEqual([]);
    expect(r.status.canaryStatus.batchState).toBe("Verifying");
  });

  it("Verifying becomes Ready at `now` when the batch is ready, then parks at batchPartition", () => {
    const ready = {
      currentBatch: 0,
      batchState: "Verifying" as const,
      updatedReplicas: 1,
      updatedReadyReplicas: 1,
    };
    const p = progressing(br, 0, "Verifying", { canaryStatus: ready });
    const sts = statefulSet({ partition: 3, updated: 1, updatedReady: 1, controlled: br });
    const pods = [
      pod(
        "demo-3",
        {
          "controller-revision-hash": "v2",
          "rollouts.kruise.io/rollout-id": "r1",
          "rollouts.kruise.io/rollout-batch-id": "1",
        },
        "sts-uid",
      ),
    ];
    const r = planBatchRelease({ release: p, workload: sts, pods }, now);
    expect(r.status.canaryStatus).toMatchObject({ batchState: "Ready", batchReadyTime: now.toISOString() });
    const parked = planBatchRelease({ release: { ...p, status: r.status }, workload: sts, pods }, now);
    expect(parked.statusChanged).toBe(false);
    expect(parked.requeueAfterMs).toBeUndefined();
  });

  it("Verifying goes back to Upgrading when the batch is not ready", () => {
    const counts = {
      currentBatch: 0,
      batchState: "Verifying" as const,
      updatedReplicas: 1,
      updatedReadyReplicas: 0,
    };
    const p = progressing(br, 0, "Verifying", { canaryStatus: counts });
    const r = planBatchRelease(
      { release: p, workload: statefulSet({ partition: 3, updated: 1, controlled: br }) },
      now,
    );
    expect(r.status.canaryStatus.batchState).toBe("Upgrading");
    expect(r.retry).toMatch(/not ready/);
  });

  it("Ready moves to the next batch when batchPartition allows", () => {
    const counts = {
      currentBatch: 0,
      batchState: "Ready" as const,
      updatedReplicas: 1,
      updatedReadyReplicas: 1,
      batchReadyTime: "t",
    };
    const p = progressing(release({ batchPartition: 2 }), 0, "Ready", { canaryStatus: counts });
    const r = planBatchRelease(
      { release: p, workload: statefulSet({ partition: 3, updated: 1, updatedReady: 1, controlled: br }) },
      now,
    );
    expect(r.status.canaryStatus).toMatchObject({ currentBatch: 1, batchState: "Upgrading" });
  });

  it("counts updated ready pods when the native status lacks updatedReadyReplicas", () => {
    const p = progressing(br, 0, "Verifying");
    const pods = [
      pod("demo-3", { "controller-revision-hash": "v2" }, "sts-uid"),
      pod("demo-2", { "controller-revision-hash": "v2" }, "sts-uid", false),
    ];
    const r = planBatchRelease(
      { release: p, workload: statefulSet({ partition: 3, updated: 2 }), pods },
      now,
    );
    expect(r.status.canaryStatus.updatedReadyReplicas).toBe(1);
  });

  it("Finalize removes control-info and the partition, then Completed", () => {
    const p = {
      ...progressing(release({ batchPartition: null }), 2, "Ready"),
      status: {
        phase: "Finalizing" as const,
        observedRolloutID: "r1",
        observedReleasePlanHash: "x",
        canaryStatus: { currentBatch: 2, updatedReplicas: 4, updatedReadyReplicas: 4 },
      },
    };
    const r = planBatchRelease(
      { release: p, workload: statefulSet({ partition: 0, updated: 4, updatedReady: 4, controlled: br }) },
      now,
    );
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: {
          metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": null } },
          spec: { updateStrategy: { rollingUpdate: { partition: null } } },
        },
      },
    ]);
    expect(r.status.phase).toBe("Completed");
  });

  it("Finalize with a batchPartition still set keeps the partition", () => {
    const p = {
      ...br,
      metadata: { ...br.metadata, deletionTimestamp: "x" },
      status: {
        phase: "Finalizing" as const,
        observedRolloutID: "r1",
        observedReleasePlanHash: "x",
        canaryStatus: { currentBatch: 0, updatedReplicas: 1, updatedReadyReplicas: 1 },
      },
    };
    const r = planBatchRelease(
      { release: p, workload: statefulSet({ partition: 3, updated: 1, updatedReady: 1, controlled: br }) },
      now,
    );
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: { metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": null } } },
      },
    ]);
  });

  it("works for Advanced StatefulSets too", () => {
    const adv = {
      ...br,
      spec: {
        ...br.spec,
        workloadRef: { apiVersion: "apps.kruise.io/v1beta1", kind: "StatefulSet", name: "demo" },
      },
    };
    const sts = { ...statefulSet(), apiVersion: "apps.kruise.io/v1beta1" };
    const r = planBatchRelease({ release: { ...preparing(), spec: adv.spec }, workload: sts }, now);
    expect(r.actions[0]).toMatchObject({
      target: { apiVersion: "apps.kruise.io/v1beta1", kind: "StatefulSet" },
    });
  });

  it("rollback in batch marks pods already on the target revision before Progressing", () => {
    const base = preparing();
    const annotated = {
      ...base,
      metadata: { ...br.metadata, annotations: { "rollouts.kruise.io/rollback-in-batch": "true" } },
      status: {
        ...base.status,
        canaryStatus: { currentBatch: 0, updatedReplicas: 0, updatedReadyReplicas: 1 },
      },
    };
    const pods = [
      pod("demo-3", { "controller-revision-hash": "v2" }, "sts-uid"),
      pod("demo-2", { "controller-revision-hash": "v1" }, "sts-uid"),
    ];
    const r = planBatchRelease({ release: annotated, workload: statefulSet({ controlled: br }), pods }, now);
    expect(r.status.phase).toBe("Preparing");
    expect(r.actions).toEqual([
      expect.objectContaining({
        target: expect.objectContaining({ name: "demo-3" }),
        patch: { metadata: { labels: { "rollouts.kruise.io/no-need-update": "r1" } } },
      }),
    ]);
    pods[0] = pod(
      "demo-3",
      { "controller-revision-hash": "v2", "rollouts.kruise.io/no-need-update": "r1" },
      "sts-uid",
    );
    const next = planBatchRelease(
      { release: annotated, workload: statefulSet({ controlled: br }), pods },
      now,
    );
    expect(next.status).toMatchObject({ phase: "Progressing", canaryStatus: { noNeedUpdateReplicas: 1 } });
  });

  it("rollback in batch: no-need-update pods count on the stable side and get no batch labels", () => {
    const annotated = {
      ...br,
      metadata: { ...br.metadata, annotations: { "rollouts.kruise.io/rollback-in-batch": "true" } },
    };
    const counts = {
      currentBatch: 0,
      batchState: "Upgrading" as const,
      updatedReplicas: 3,
      updatedReadyReplicas: 3,
      noNeedUpdateReplicas: 2,
    };
    const p = progressing(annotated, 0, "Upgrading", {
      updateRevision: "demo-v1",
      stableRevision: "demo-v1",
      canaryStatus: counts,
    });
    const sts = statefulSet({ partition: 4, updated: 3, updatedReady: 3, controlled: br });
    sts.status = { ...sts.status, updateRevision: "demo-v1", currentRevision: "demo-v1" };
    const noNeed = { "controller-revision-hash": "v1", "rollouts.kruise.io/no-need-update": "r1" };
    const pods = [
      pod("demo-0", noNeed, "sts-uid"),
      pod("demo-1", noNeed, "sts-uid"),
      pod("demo-2", { "controller-revision-hash": "v2" }, "sts-uid"),
      pod("demo-3", { "controller-revision-hash": "v1" }, "sts-uid"),
    ];
    const r = planBatchRelease({ release: p, workload: sts, pods, legacyBatchLabels: false }, now);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: { spec: { updateStrategy: { rollingUpdate: { partition: 3 } } } },
      },
      {
        kind: "patch",
        target: { apiVersion: "v1", kind: "Pod", namespace: "ns", name: "demo-3" },
        patchType: "strategic",
        patch: {
          metadata: {
            labels: { "rollouts.kruise.io/rollout-id": "r1", "rollouts.kruise.io/rollout-batch-id": "1" },
          },
        },
      },
    ]);
    expect(r.status.canaryStatus).toMatchObject({ batchState: "Verifying", noNeedUpdateReplicas: 2 });
  });
});
