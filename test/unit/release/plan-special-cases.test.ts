import { describe, expect, it } from "vitest";
import { planBatchRelease, releaseRequeueMs } from "../../../src/release/plan.js";
import { releasePlanHash } from "../../../src/release/plan-hash.js";
import { now, progressing, release, statefulSet } from "./fixtures.js";

const br = release({});

describe("planBatchRelease special cases (spec §4.2 step 3, first match wins)", () => {
  it("0: an empty phase is reset to Preparing and persisted before anything else", () => {
    const r = planBatchRelease({ release: br, workload: statefulSet() }, now);
    expect(r.status.phase).toBe("Preparing");
    expect(r.status.observedWorkloadReplicas).toBe(-1);
    expect(r.status.observedReleasePlanHash).toBe(releasePlanHash(br.spec.releasePlan));
    expect(r.statusChanged).toBe(true);
    expect(r.requeueAfterMs).toBe(releaseRequeueMs);
    expect(r.actions).toEqual([]);
  });

  it("1: Completed does no work (only the counters are refreshed, as upstream)", () => {
    const done = { ...br, status: { phase: "Completed" as const, canaryStatus: { currentBatch: 2 } } };
    const r = planBatchRelease({ release: done, workload: statefulSet({ partition: 0 }) }, now);
    expect(r.status.phase).toBe("Completed");
    expect(r.actions).toEqual([]);
    expect(r.message).toMatch(/completed/);
  });

  it.each([
    ["batchPartition is nil", { ...progressing(release({ batchPartition: null }), 0, "Ready") }],
    [
      "the release is deleting",
      { ...progressing(br, 0, "Ready"), metadata: { ...br.metadata, deletionTimestamp: "x" } },
    ],
  ])("2: Finalizing when %s", (_, r0) => {
    const r = planBatchRelease({ release: r0, workload: statefulSet({ controlled: br }) }, now);
    expect(r.status.phase).toBe("Finalizing");
    expect(r.requeueAfterMs).toBe(releaseRequeueMs);
  });

  it("3: a changed plan jumps to batchPartition (same rollout-id)", () => {
    const moved = progressing(br, 0, "Ready");
    moved.spec.releasePlan = { ...moved.spec.releasePlan, batchPartition: 5 };
    const r = planBatchRelease({ release: moved, workload: statefulSet() }, now);
    expect(r.status.canaryStatus).toMatchObject({
      currentBatch: 2,
      batchState: "Upgrading",
      batchReadyTime: null,
    });
    expect(r.status.observedReleasePlanHash).toBe(releasePlanHash(moved.spec.releasePlan));
  });

  it("3: a changed plan with a new rollout-id restarts from batch 0", () => {
    const moved = progressing(br, 1, "Ready");
    moved.spec.releasePlan = { ...moved.spec.releasePlan, batchPartition: 2, rolloutID: "r2" };
    const r = planBatchRelease({ release: moved, workload: statefulSet() }, now);
    expect(r.status.canaryStatus.currentBatch).toBe(0);
    expect(r.status.observedRolloutID).toBe("r2");
  });

  it("4: currentBatch beyond the plan resets the whole status", () => {
    const broken = progressing(br, 7, "Ready");
    const r = planBatchRelease({ release: broken, workload: statefulSet() }, now);
    expect(r.status.phase).toBe("Preparing");
    expect(r.status.canaryStatus.currentBatch).toBe(0);
  });

  it("5: a workload read error only reports", () => {
    const p = progressing(br, 0, "Ready");
    const r = planBatchRelease({ release: p, workloadError: "boom" }, now);
    expect(r.message).toBe("boom");
    expect(r.requeueAfterMs).toBeUndefined();
    expect(r.status.phase).toBe("Progressing");
  });

  it("6: a gone workload finalizes", () => {
    const r = planBatchRelease({ release: progressing(br, 0, "Ready") }, now);
    expect(r.status.phase).toBe("Finalizing");
  });

  it("7: scaling restarts the batch and records the new replicas", () => {
    const p = progressing(br, 1, "Ready", { observedWorkloadReplicas: 3 });
    const r = planBatchRelease(
      { release: p, workload: statefulSet({ partition: 2, updated: 2, updatedReady: 2 }) },
      now,
    );
    expect(r.status.canaryStatus).toMatchObject({ batchState: "Upgrading", batchReadyTime: null });
    expect(r.status.observedWorkloadReplicas).toBe(4);
  });

  it("8: a new update revision is stored and the pass stops", () => {
    const p = progressing(br, 0, "Ready");
    const sts = statefulSet({ partition: 3, updated: 1 });
    sts.status = { ...sts.status, updateRevision: "demo-v3" };
    const r = planBatchRelease({ release: p, workload: sts }, now);
    expect(r.status.updateRevision).toBe("demo-v3");
    expect(r.status.phase).toBe("Progressing");
    expect(r.actions).toEqual([]);
  });

  it("9: an unobserved generation stops the pass", () => {
    const sts = statefulSet({ partition: 3, updated: 1, updatedReady: 1 });
    sts.metadata.generation = 9;
    const p = progressing(br, 0, "Ready", {
      canaryStatus: { currentBatch: 0, batchState: "Ready", updatedReplicas: 1, updatedReadyReplicas: 1 },
    });
    const r = planBatchRelease({ release: p, workload: sts }, now);
    expect(r.statusChanged).toBe(false);
    expect(r.actions).toEqual([]);
    expect(r.message).toMatch(/not stable/);
  });

  it("10: rollback in batch re-enters Preparing when the template went back", () => {
    const annotated = {
      ...br,
      metadata: { ...br.metadata, annotations: { "rollouts.kruise.io/rollback-in-batch": "true" } },
    };
    const p = progressing(annotated, 1, "Ready");
    const sts = statefulSet({ partition: 2, updated: 2 });
    sts.status = { ...sts.status, updateRevision: "demo-v1", currentRevision: "demo-v1" };
    const r = planBatchRelease({ release: p, workload: sts }, now);
    expect(r.status.phase).toBe("Preparing");
    expect(r.status.updateRevision).toBe("demo-v1");
  });

  it("a spec edited and edited back before a pass: the status is unchanged but the generation is recorded", () => {
    // The Rollout waits for observedGeneration to reach the generation; without this write it
    // would wait forever (seen as a stalled step in the approval-races test).
    const p = progressing(br, 0, "Ready", {
      canaryStatus: { currentBatch: 0, batchState: "Ready", updatedReplicas: 1, updatedReadyReplicas: 1 },
    });
    const edited = { ...p, metadata: { ...p.metadata, generation: (p.metadata.generation ?? 0) + 2 } };
    // A pass that changes nothing else (as in case 9, the workload is still reconciling).
    const sts = statefulSet({ partition: 3, updated: 1, updatedReady: 1 });
    sts.metadata.generation = 9;
    const r = planBatchRelease({ release: edited, workload: sts }, now);
    expect(r.statusChanged).toBe(true);
    expect(r.status.observedGeneration).toBe(edited.metadata.generation);
    expect(r.status.canaryStatus).toEqual(p.status?.canaryStatus);
  });

  it("10: rollback in batch waits while the revisions still differ", () => {
    const annotated = {
      ...br,
      metadata: { ...br.metadata, annotations: { "rollouts.kruise.io/rollback-in-batch": "true" } },
    };
    const p = progressing(annotated, 1, "Ready", {
      canaryStatus: { currentBatch: 1, batchState: "Ready", updatedReplicas: 2, updatedReadyReplicas: 2 },
    });
    const r = planBatchRelease(
      { release: p, workload: statefulSet({ partition: 2, updated: 2, updatedReady: 2 }) },
      now,
    );
    expect(r.message).toMatch(/preparing rollback/);
    expect(r.statusChanged).toBe(false);
  });

  it("refreshes updated counts and stops with a 2 s requeue when they changed", () => {
    const p = progressing(br, 0, "Upgrading");
    const r = planBatchRelease(
      { release: p, workload: statefulSet({ partition: 3, updated: 1, updatedReady: 1 }) },
      now,
    );
    expect(r.status.canaryStatus).toMatchObject({
      updatedReplicas: 1,
      updatedReadyReplicas: 1,
      batchState: "Upgrading",
    });
    expect(r.requeueAfterMs).toBe(releaseRequeueMs);
    expect(r.actions).toEqual([]);
    expect(r.status.observedGeneration).toBe(1);
  });

  it("asks for an UnsupportedWorkload event for kinds without a control", () => {
    const cs = {
      ...br,
      spec: {
        ...br.spec,
        workloadRef: { apiVersion: "apps.kruise.io/v1alpha1", kind: "UnitedDeployment", name: "demo" },
      },
      status: { observedGeneration: br.metadata.generation ?? 0, canaryStatus: { currentBatch: 0 } },
    };
    const r = planBatchRelease({ release: cs }, now);
    expect(r.actions).toEqual([
      expect.objectContaining({ kind: "event", reason: "UnsupportedWorkload", type: "Warning" }),
    ]);
    expect(r.statusChanged).toBe(false);
  });

  it("adds its finalizer, and removes it only once deleted and Completed", () => {
    const bare = { ...br, metadata: { ...br.metadata, finalizers: [] } };
    expect(planBatchRelease({ release: bare, workload: statefulSet() }, now).actions[0]).toMatchObject({
      kind: "patch",
      patchType: "merge",
      patch: { metadata: { finalizers: ["rollouts.kruise.io/batch-release-finalizer"] } },
    });
    const gone = {
      ...br,
      metadata: { ...br.metadata, deletionTimestamp: "x" },
      status: { phase: "Completed" as const, canaryStatus: { currentBatch: 0 } },
    };
    const r = planBatchRelease({ release: gone }, now);
    expect(r.actions).toHaveLength(1);
    expect(r.actions[0]).toMatchObject({ kind: "patch", patchType: "json" });
  });
});
