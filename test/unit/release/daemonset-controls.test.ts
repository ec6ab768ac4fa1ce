import { describe, expect, it } from "vitest";
import { releaseStyle } from "../../../src/release/control/select.js";
import type { BatchRelease } from "../../../src/release/model.js";
import { planBatchRelease } from "../../../src/release/plan.js";
import { releasePlanHash } from "../../../src/release/plan-hash.js";
import { advancedRef, daemonSet, dsPod, dsRelease, nativeRef, revisions } from "./daemonset-fixtures.js";
import { now, progressing } from "./fixtures.js";

const nativeTarget = { apiVersion: "apps/v1", kind: "DaemonSet", namespace: "ns", name: "demo" };
const advancedTarget = { ...nativeTarget, apiVersion: "apps.kruise.io/v1alpha1" };
const revs = { stableRevision: "h1", updateRevision: "h2" };

const workloadPatches = (r: ReturnType<typeof planBatchRelease>) =>
  r.actions.filter((a) => a.kind === "patch" && a.target.kind === "DaemonSet");
const podPatches = (r: ReturnType<typeof planBatchRelease>) =>
  r.actions.filter((a) => a.kind === "patch" && a.target.kind === "Pod");

/** Preparing, with the bookkeeping of an earlier pass already persisted. */
function preparing(br: BatchRelease): BatchRelease {
  return {
    ...br,
    status: {
      phase: "Preparing",
      observedReleasePlanHash: releasePlanHash(br.spec.releasePlan),
      observedRolloutID: "r1",
      observedWorkloadReplicas: -1,
      canaryStatus: { currentBatch: 0, updatedReplicas: 0, updatedReadyReplicas: 0 },
    },
  };
}

function at(br: BatchRelease, batch: number, state: "Upgrading" | "Verifying" | "Ready", canary = {}) {
  const p = progressing(br, batch, state, revs);
  return {
    ...p,
    status: { ...p.status, canaryStatus: { ...p.status?.canaryStatus, ...canary } },
  } as BatchRelease;
}

describe("which control drives a DaemonSet", () => {
  it("picks the Advanced or native DaemonSet partition control by group, whatever the style", () => {
    expect(releaseStyle(advancedRef, { batches: [] })).toBe("daemonset-advanced");
    expect(releaseStyle(nativeRef, { batches: [] })).toBe("daemonset-native");
    expect(releaseStyle(nativeRef, { batches: [], rollingStyle: "Canary" })).toBe("daemonset-native");
  });
});

describe("Advanced DaemonSet partition control (spec §4.9)", () => {
  const br = dsRelease(advancedRef);

  it("Initialize sets control-info, unpauses and partitions at the node count", () => {
    const r = planBatchRelease(
      {
        release: preparing(br),
        workload: daemonSet({ native: false, partition: 32767 }),
      },
      now,
    );
    expect(workloadPatches(r)).toEqual([
      expect.objectContaining({
        target: advancedTarget,
        patchType: "merge",
        patch: {
          metadata: {
            annotations: {
              "batchrelease.rollouts.kruise.io/control-info": expect.stringContaining('"uid":"br-uid"'),
            },
          },
          spec: { updateStrategy: { rollingUpdate: { paused: false, partition: 4 } } },
        },
      }),
    ]);
    expect(r.status).toMatchObject({
      phase: "Progressing",
      updateRevision: "h2",
      stableRevision: "",
      observedWorkloadReplicas: 4,
    });
  });

  it("each batch lowers the partition to the pods that stay old, and labels the updated ones", () => {
    const ds = daemonSet({ native: false, partition: 4, controlled: br });
    const r = planBatchRelease(
      {
        release: at(br, 0, "Upgrading", { updatedReadyReplicas: 1 }),
        workload: ds,
        pods: [dsPod("a", "h2"), dsPod("b", "h1")],
      },
      now,
    );
    expect(workloadPatches(r)).toEqual([
      expect.objectContaining({ patch: { spec: { updateStrategy: { rollingUpdate: { partition: 3 } } } } }),
    ]);
    expect(podPatches(r)).toEqual([
      expect.objectContaining({
        target: expect.objectContaining({ name: "a" }),
        patch: {
          metadata: {
            labels: expect.objectContaining({
              "rollouts.kruise.io/rollout-batch-id": "1",
              "rollouts.kruise.io/rollout-id": "r1",
            }),
          },
        },
      }),
    ]);
    expect(r.status.canaryStatus.batchState).toBe("Verifying");
  });

  it("never raises the partition", () => {
    const ds = daemonSet({ native: false, partition: 1, controlled: br });
    const r = planBatchRelease({ release: at(br, 0, "Upgrading"), workload: ds }, now);
    expect(workloadPatches(r)).toEqual([]);
  });

  it("Finalize promotes: partition and pause cleared, control-info removed", () => {
    const done = dsRelease(advancedRef, { batchPartition: null });
    const ds = daemonSet({ native: false, partition: 0, controlled: done });
    const r = planBatchRelease({ release: at(done, 2, "Ready"), workload: ds }, now);
    expect(r.status.phase).toBe("Finalizing");
    const next = planBatchRelease({ release: { ...done, status: r.status }, workload: ds }, now);
    expect(workloadPatches(next)).toEqual([
      expect.objectContaining({
        patch: {
          metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": null } },
          spec: { updateStrategy: { rollingUpdate: { partition: null, paused: false } } },
        },
      }),
    ]);
    expect(next.status.phase).toBe("Completed");
  });
});

describe("native DaemonSet control (spec §4.9, upstream master)", () => {
  const br = dsRelease(nativeRef);
  const observed = (
    release: BatchRelease,
    ds = daemonSet({ controlled: br }),
    pods = [dsPod("a", "h1")],
  ) => ({
    release,
    workload: ds,
    controllerRevisions: revisions,
    pods,
  });

  it("Initialize sets control-info and OnDelete, and records the ControllerRevision hashes", () => {
    const ds = daemonSet({ type: "RollingUpdate" });
    const r = planBatchRelease(observed(preparing(br), ds), now);
    expect(workloadPatches(r)).toEqual([
      expect.objectContaining({
        target: nativeTarget,
        patch: {
          metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": expect.any(String) } },
          spec: { updateStrategy: { type: "OnDelete" } },
        },
      }),
    ]);
    expect(r.status).toMatchObject({ phase: "Progressing", updateRevision: "h2", stableRevision: "h1" });
  });

  it("a batch writes the pods to keep old and the revision to move to, once", () => {
    const r = planBatchRelease(observed(at(br, 1, "Upgrading")), now);
    expect(workloadPatches(r)).toEqual([
      expect.objectContaining({
        patchType: "merge",
        patch: {
          metadata: {
            annotations: {
              "rollouts.kruise.io/daemonset-advanced-control": '{"partition":"2","batch-revision":"h2"}',
            },
          },
        },
      }),
    ]);
    const written = daemonSet({
      controlled: br,
      annotations: {
        "rollouts.kruise.io/daemonset-advanced-control": '{"partition":"2","batch-revision":"h2"}',
      },
    });
    expect(workloadPatches(planBatchRelease(observed(at(br, 1, "Upgrading"), written), now))).toEqual([]);
  });

  it("rewrites the annotation when only the batch revision moved (a release restarted on a newer template)", () => {
    const stale = daemonSet({
      controlled: br,
      annotations: {
        "rollouts.kruise.io/daemonset-advanced-control": '{"partition":"2","batch-revision":"h1"}',
      },
    });
    expect(workloadPatches(planBatchRelease(observed(at(br, 1, "Upgrading"), stale), now))).toEqual([
      expect.objectContaining({
        patch: {
          metadata: {
            annotations: {
              "rollouts.kruise.io/daemonset-advanced-control": '{"partition":"2","batch-revision":"h2"}',
            },
          },
        },
      }),
    ]);
  });

  it("a batch is ready once enough pods run the recorded revision and are Ready and labelled", () => {
    const pods = [
      dsPod("a", "h2", {
        labels: { "rollouts.kruise.io/rollout-id": "r1", "rollouts.kruise.io/rollout-batch-id": "1" },
      }),
      dsPod("b", "h1"),
      dsPod("c", "h1"),
      dsPod("d", "h1"),
    ];
    const ds = daemonSet({ controlled: br, updated: 1 });
    const verifying = at(br, 0, "Verifying", { updatedReplicas: 1, updatedReadyReplicas: 1 });
    expect(planBatchRelease(observed(verifying, ds, pods), now).status.canaryStatus.batchState).toBe("Ready");
    const notReady = [
      { ...pods[0], status: { phase: "Running", conditions: [{ type: "Ready", status: "False" }] } },
      ...pods.slice(1),
    ];
    const waiting = planBatchRelease(
      observed(
        at(br, 0, "Verifying", { updatedReplicas: 1, updatedReadyReplicas: 0 }),
        ds,
        notReady as typeof pods,
      ),
      now,
    );
    expect(waiting.status.canaryStatus.batchState).toBe("Upgrading");
    expect(waiting.retry).toContain("updated ready replicas not satisfied");
  });

  it("Finalize restores the original update strategy and removes the four annotations", () => {
    const done = dsRelease(nativeRef, { batchPartition: null });
    const ds = daemonSet({
      controlled: done,
      annotations: {
        "rollouts.kruise.io/daemonset-original-update-strategy": "RollingUpdate",
        "rollouts.kruise.io/daemonset-advanced-control": '{"partition":"0","batch-revision":"h2"}',
      },
    });
    const finalizing = {
      ...done,
      status: { ...at(done, 2, "Ready").status, phase: "Finalizing" as const },
    } as BatchRelease;
    const r = planBatchRelease(observed(finalizing, ds), now);
    expect(workloadPatches(r)).toEqual([
      expect.objectContaining({
        patch: {
          metadata: {
            annotations: {
              "batchrelease.rollouts.kruise.io/control-info": null,
              "rollouts.kruise.io/daemonset-revision": null,
              "rollouts.kruise.io/daemonset-advanced-control": null,
              "rollouts.kruise.io/daemonset-original-update-strategy": null,
            },
          },
          spec: { updateStrategy: { type: "RollingUpdate" } },
        },
      }),
    ]);
    expect(r.status.phase).toBe("Completed");
  });

  it("Finalize without promotion keeps OnDelete; with nothing of ours left it writes nothing", () => {
    const held = dsRelease(nativeRef, { batchPartition: 1 });
    const deleting = { ...held, metadata: { ...held.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } };
    const finalizing = {
      ...deleting,
      status: { ...at(held, 1, "Ready").status, phase: "Finalizing" as const },
    } as BatchRelease;
    const r = planBatchRelease(observed(finalizing, daemonSet({ controlled: held })), now);
    expect(workloadPatches(r)).toEqual([
      expect.objectContaining({
        patch: {
          metadata: {
            annotations: expect.objectContaining({ "batchrelease.rollouts.kruise.io/control-info": null }),
          },
        },
      }),
    ]);
    expect(workloadPatches(planBatchRelease(observed(finalizing, daemonSet()), now))).toEqual([]);
  });
});
