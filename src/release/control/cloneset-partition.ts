// Partition style for CloneSets (spec §4.5): the webhook holds the set with partition "100%";
// each batch lowers the partition to the pods that stay stable, written as a percentage when the
// batch plan is a percentage. CloneSets may update pods in place; the batch labels follow the
// pod's revision label either way.

import { type Action, patch } from "../actions.js";
import { batchNotReadyReason, batchReplicas } from "../batches.js";
import { scaledValue } from "../int-or-string.js";
import { controlInfoAnnotation } from "../keys.js";
import { batchLabelPatches } from "../labels.js";
import type { BatchReleaseStatus, CloneSet, IntOrString } from "../model.js";
import { cloneSetState } from "../workloads/cloneset.js";
import { ownedPods } from "../workloads/statefulset.js";
import { done, notYet, type ObservedRelease, type ReleaseControl } from "./control.js";
import { controlInfo, isControlledBy } from "./control-info.js";
import { partitionSync } from "./partition-sync.js";
import { initializeBookkeeping } from "./rollback-initialize.js";
import { podsForUnorderedUpdate, recountNoNeedUpdate } from "./rollback-pod-filter.js";

/** The partition the webhook and Initialize hold a CloneSet with. */
export const cloneSetHoldPartition = "100%";

/**
 * Upstream ParseIntegerAsPercentageIfPossible: `stable` of `all` pods as a percentage, rounded
 * down, with "1%" when that would keep no pod stable while the plan is not "100%".
 */
export function percentPartition(stable: number, all: number, plan: IntOrString | undefined): string {
  if (stable >= all) return "100%";
  if (stable <= 0) return "0%";
  const percent = `${Math.floor((stable * 100) / all)}%`;
  if (scaledValue(percent, all, true) <= 0 && plan !== "100%") return "1%";
  return percent;
}

export function cloneSetPartitionControl(observed: ObservedRelease): ReleaseControl {
  const { release } = observed;
  const plan = release.spec.releasePlan;
  const set = observed.workload as CloneSet | undefined;
  const pods = set ? ownedPods(set, observed.pods ?? []) : [];
  const workload = set ? cloneSetState(set) : undefined;
  const rolloutID = plan.rolloutID ?? "";

  /** Upstream CalculateBatchContext for CloneSet, including the rollback-in-batch arithmetic. */
  const batchContext = (status: BatchReleaseStatus) => {
    const replicas = workload?.replicas ?? 0;
    const currentBatch = status.canaryStatus.currentBatch;
    const noNeedUpdate = status.canaryStatus.noNeedUpdateReplicas ?? null;
    const planned = batchReplicas(plan, replicas, currentBatch);
    let desiredUpdate = planned;
    let desiredStable = replicas - desiredUpdate;
    if (noNeedUpdate !== null && noNeedUpdate > 0) {
      desiredStable = replicas - noNeedUpdate - batchReplicas(plan, replicas - noNeedUpdate, currentBatch);
      desiredUpdate = replicas - desiredStable;
    }
    const step = plan.batches[currentBatch]?.canaryReplicas;
    const desiredPartition: IntOrString =
      typeof step === "string" ? percentPartition(desiredStable, replicas, step) : desiredStable;
    return { replicas, currentBatch, planned, desiredUpdate, desiredStable, desiredPartition };
  };

  const labels = (status: BatchReleaseStatus) => {
    const ctx = batchContext(status);
    const updateRevision = status.updateRevision ?? "";
    const candidates =
      (status.canaryStatus.noNeedUpdateReplicas ?? null) === null
        ? pods
        : podsForUnorderedUpdate(pods, {
            rolloutID,
            updateRevision,
            replicas: ctx.replicas,
            plannedUpdatedReplicas: ctx.planned,
            desiredUpdatedReplicas: ctx.desiredUpdate,
            desiredPartition: ctx.desiredStable,
          });
    return batchLabelPatches({
      plan,
      replicas: ctx.replicas,
      currentBatch: ctx.currentBatch,
      rolloutID,
      updateRevision,
      pods: candidates,
      legacyLabels: observed.legacyBatchLabels ?? true,
    });
  };

  return {
    sync: (status) => partitionSync(release, workload, status),

    initialize(status) {
      if (!set || !workload) return notYet("workload not found");
      const actions: Action[] = [];
      if (!isControlledBy(release, set)) {
        actions.push(
          patch(workload.target, "merge", {
            metadata: { annotations: { [controlInfoAnnotation]: controlInfo(release) } },
            spec: { updateStrategy: { paused: false, partition: cloneSetHoldPartition } },
          }),
        );
      }
      return initializeBookkeeping(release, workload, status, pods, rolloutID, actions);
    },

    upgradeBatch(status) {
      if (!workload || !set) return notYet("workload not found");
      if (workload.replicas === 0) return done();
      const noNeedUpdate = recountNoNeedUpdate(pods, rolloutID, status);
      const counted: BatchReleaseStatus =
        noNeedUpdate === undefined
          ? status
          : { ...status, canaryStatus: { ...status.canaryStatus, noNeedUpdateReplicas: noNeedUpdate } };
      const ctx = batchContext(counted);
      const actions: Action[] = [];
      const current = scaledValue(set.spec.updateStrategy?.partition ?? 0, ctx.replicas, true);
      const desired = scaledValue(ctx.desiredPartition, ctx.replicas, true);
      // The partition only ever goes down: a batch never sends updated pods back.
      if (current > desired) {
        actions.push(
          patch(workload.target, "merge", { spec: { updateStrategy: { partition: ctx.desiredPartition } } }),
        );
      }
      return done(
        [...actions, ...labels(counted)],
        noNeedUpdate === undefined ? {} : { status: { noNeedUpdateReplicas: noNeedUpdate } },
      );
    },

    ensureBatchReady(status) {
      if (!workload) return notYet("workload not found");
      if (workload.replicas === 0) return done();
      const ctx = batchContext(status);
      const reason = batchNotReadyReason({
        rolloutID,
        updatedReplicas: workload.status.updatedReplicas,
        updatedReadyReplicas: workload.status.updatedReadyReplicas,
        desiredUpdatedReplicas: ctx.desiredUpdate,
        plannedUpdatedReplicas: ctx.planned,
        failureThreshold: plan.failureThreshold ?? null,
        pods,
      });
      return reason ? notYet(reason) : done();
    },

    finalize() {
      if (!set || !workload) return done();
      const promote = plan.batchPartition === undefined || plan.batchPartition === null;
      const hasInfo = controlInfoAnnotation in workload.annotations;
      const strategy = set.spec.updateStrategy;
      const held = strategy?.partition != null || strategy?.paused === true;
      if (!hasInfo && !(promote && held)) return done();
      return done([
        patch(workload.target, "merge", {
          metadata: { annotations: { [controlInfoAnnotation]: null } },
          ...(promote ? { spec: { updateStrategy: { partition: null, paused: false } } } : {}),
        }),
      ]);
    },

    drive: () => [],
  };
}
