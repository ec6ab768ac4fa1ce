import { describe, expect, it } from "vitest";
import { percentPartition } from "../../../src/release/control/cloneset-partition.js";
import { controlInfo } from "../../../src/release/control/control-info.js";
import { releaseStyle } from "../../../src/release/control/select.js";
import type { BatchRelease, CloneSet } from "../../../src/release/model.js";
import { planBatchRelease, releaseRequeueMs } from "../../../src/release/plan.js";
import { releasePlanHash } from "../../../src/release/plan-hash.js";
import { cloneSetState } from "../../../src/release/workloads/cloneset.js";
import { now, pod, progressing, release, template } from "./fixtures.js";

const ref = { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", name: "demo" };
const target = { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", namespace: "ns", name: "demo" };

function csRelease(plan: Parameters<typeof release>[0] = {}): BatchRelease {
  const br = release(plan);
  return { ...br, spec: { ...br.spec, workloadRef: ref } };
}
const br = csRelease();

function cloneSet(
  opts: {
    partition?: number | string | null;
    paused?: boolean;
    updated?: number;
    updatedReady?: number;
    controlled?: BatchRelease;
    replicas?: number;
  } = {},
): CloneSet {
  return {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "CloneSet",
    metadata: {
      name: "demo",
      namespace: "ns",
      uid: "cs-uid",
      generation: 2,
      annotations: {
        "rollouts.kruise.io/in-progressing": '{"rolloutName":"demo"}',
        ...(opts.controlled
          ? { "batchrelease.rollouts.kruise.io/control-info": controlInfo(opts.controlled) }
          : {}),
      },
    },
    spec: {
      replicas: opts.replicas ?? 4,
      template: template("v2"),
      updateStrategy: {
        type: "InPlaceIfPossible",
        partition: opts.partition === undefined ? "100%" : opts.partition,
        ...(opts.paused === undefined ? {} : { paused: opts.paused }),
      },
    },
    status: {
      observedGeneration: 2,
      replicas: opts.replicas ?? 4,
      readyReplicas: 4,
      updatedReplicas: opts.updated ?? 0,
      updatedReadyReplicas: opts.updatedReady ?? 0,
      currentRevision: "demo-v1",
      updateRevision: "demo-v2",
    },
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

const csPod = (name: string, labels: Record<string, string>, ready = true) =>
  pod(name, labels, "cs-uid", ready, "CloneSet");

describe("CloneSet partition control (spec §4.5)", () => {
  it("is chosen for CloneSets whatever the non-blue-green style", () => {
    expect(releaseStyle(ref, { batches: [] })).toBe("cloneset-partition");
    expect(releaseStyle(ref, { batches: [], rollingStyle: "Partition" })).toBe("cloneset-partition");
    expect(releaseStyle(ref, { batches: [], enableExtraWorkloadForCanary: true })).toBe("cloneset-partition");
    expect(releaseStyle(ref, { batches: [], rollingStyle: "BlueGreen" })).toBe("cloneset-bluegreen");
  });

  it("the finder view uses revision suffixes and pod-template-hash", () => {
    expect(cloneSetState(cloneSet()).revisions).toEqual({
      consistent: true,
      stableRevision: "v1",
      canaryRevision: "v2",
      podTemplateHash: "v2",
      revisionLabelKey: "pod-template-hash",
      inRolloutProgressing: true,
      isInRollback: false,
    });
  });

  it("Initialize writes control-info, paused false and partition 100%, then Progressing", () => {
    const r = planBatchRelease({ release: preparing(), workload: cloneSet() }, now);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: {
          metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": controlInfo(br) } },
          spec: { updateStrategy: { paused: false, partition: "100%" } },
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
  });

  it("Initialize skips the patch when already controlled", () => {
    const r = planBatchRelease({ release: preparing(), workload: cloneSet({ controlled: br }) }, now);
    expect(r.actions).toEqual([]);
    expect(r.status.phase).toBe("Progressing");
  });

  const upgrade = [
    // [batch plan, current partition, replicas, expected partition patch or null]
    { name: "integer plan: integer partition", plan: 1, current: "100%", replicas: 4, want: 3 },
    { name: "percent plan: percent partition", plan: "50%", current: "100%", replicas: 4, want: "50%" },
    { name: "percent rounds down", plan: "40%", current: "100%", replicas: 3, want: "33%" },
    { name: "100% plan: 0%", plan: "100%", current: 2, replicas: 4, want: "0%" },
    { name: "1% of 200: 99%", plan: "1%", current: "100%", replicas: 200, want: "99%" },
    { name: "never raises", plan: 1, current: 1, replicas: 4, want: null },
    { name: "equal resolved: no patch", plan: "50%", current: 2, replicas: 4, want: null },
  ] as const;
  for (const c of upgrade) {
    it(`UpgradeBatch: ${c.name}`, () => {
      const r0 = csRelease({ batches: [{ canaryReplicas: c.plan }], rolloutID: "" });
      const p = progressing(r0, 0, "Upgrading", { observedWorkloadReplicas: c.replicas });
      const r = planBatchRelease(
        { release: p, workload: cloneSet({ partition: c.current, controlled: r0, replicas: c.replicas }) },
        now,
      );
      expect(r.actions).toEqual(
        c.want === null
          ? []
          : [
              {
                kind: "patch",
                target,
                patchType: "merge",
                patch: { spec: { updateStrategy: { partition: c.want } } },
              },
            ],
      );
      expect(r.status.canaryStatus.batchState).toBe("Verifying");
    });
  }

  it("percentPartition keeps one stable pod with 1% when the percentage would round to none", () => {
    expect(percentPartition(4, 4, "0%")).toBe("100%");
    expect(percentPartition(0, 4, "100%")).toBe("0%");
    expect(percentPartition(1, 200, "99%")).toBe("1%");
    expect(percentPartition(1, 101, "99%")).toBe("1%");
    expect(percentPartition(1, 4, "75%")).toBe("25%");
  });

  it("UpgradeBatch labels pods updated in place by their pod-template-hash", () => {
    const p = progressing(br, 1, "Upgrading");
    const pods = [
      csPod("demo-a", {
        "pod-template-hash": "v2",
        "controller-revision-hash": "demo-v2",
        "rollouts.kruise.io/rollout-id": "r1",
        "rollouts.kruise.io/rollout-batch-id": "1",
      }),
      csPod("demo-b", { "pod-template-hash": "v2", "controller-revision-hash": "demo-v2" }),
      csPod("demo-c", { "pod-template-hash": "v1", "controller-revision-hash": "demo-v1" }),
    ];
    const r = planBatchRelease(
      { release: p, workload: cloneSet({ partition: 3, controlled: br }), pods, legacyBatchLabels: false },
      now,
    );
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: { spec: { updateStrategy: { partition: "50%" } } },
      },
      {
        kind: "patch",
        target: { apiVersion: "v1", kind: "Pod", namespace: "ns", name: "demo-b" },
        patchType: "strategic",
        patch: {
          metadata: {
            labels: { "rollouts.kruise.io/rollout-id": "r1", "rollouts.kruise.io/rollout-batch-id": "2" },
          },
        },
      },
    ]);
  });

  it("Verifying becomes Ready when updatedReadyReplicas and batch labels satisfy the plan", () => {
    const p = progressing(br, 0, "Verifying", {
      canaryStatus: { currentBatch: 0, batchState: "Verifying", updatedReplicas: 1, updatedReadyReplicas: 1 },
    });
    const pods = [
      csPod("demo-a", {
        "pod-template-hash": "v2",
        "rollouts.kruise.io/rollout-id": "r1",
        "rollouts.kruise.io/rollout-batch-id": "1",
      }),
    ];
    const cs = cloneSet({ partition: 3, updated: 1, updatedReady: 1, controlled: br });
    const r = planBatchRelease({ release: p, workload: cs, pods }, now);
    expect(r.status.canaryStatus).toMatchObject({ batchState: "Ready", batchReadyTime: now.toISOString() });
  });

  it("Verifying waits while the updated pods are not ready", () => {
    const p = progressing(br, 0, "Verifying", {
      canaryStatus: { currentBatch: 0, batchState: "Verifying", updatedReplicas: 1, updatedReadyReplicas: 0 },
    });
    const cs = cloneSet({ partition: 3, updated: 1, updatedReady: 0, controlled: br });
    const r = planBatchRelease({ release: p, workload: cs, pods: [] }, now);
    expect(r.status.canaryStatus.batchState).not.toBe("Ready");
  });

  function finalizing(r0: BatchRelease): BatchRelease {
    return {
      ...r0,
      status: {
        phase: "Finalizing",
        observedRolloutID: "r1",
        observedReleasePlanHash: "x",
        canaryStatus: { currentBatch: 2, updatedReplicas: 4, updatedReadyReplicas: 4 },
      },
    };
  }

  it("Finalize promotes (partition null, paused false) and removes control-info", () => {
    const r0 = csRelease({ batchPartition: null });
    const r = planBatchRelease(
      {
        release: finalizing(r0),
        workload: cloneSet({ partition: "0%", updated: 4, updatedReady: 4, controlled: r0 }),
      },
      now,
    );
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: {
          metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": null } },
          spec: { updateStrategy: { partition: null, paused: false } },
        },
      },
    ]);
  });

  it("Finalize with a batchPartition still set only removes control-info", () => {
    const r0 = { ...br, metadata: { ...br.metadata, deletionTimestamp: "x" } };
    const r = planBatchRelease(
      {
        release: finalizing(r0),
        workload: cloneSet({ partition: 3, updated: 1, updatedReady: 1, controlled: br }),
      },
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

  it("Finalize does nothing once released", () => {
    const r0 = csRelease({ batchPartition: null });
    const r = planBatchRelease(
      { release: finalizing(r0), workload: cloneSet({ partition: null, updated: 4, updatedReady: 4 }) },
      now,
    );
    expect(r.actions.filter((a) => a.kind === "patch" && a.target.kind === "CloneSet")).toEqual([]);
  });
});
