// Partition style for StatefulSet-like workloads (spec §4.8): the webhook holds the set with
// partition 32767; each batch lowers the partition to the number of pods that stay stable.

import { type Action, patch } from "../actions.js";
import { batchNotReadyReason, batchReplicas, statefulSetPartition } from "../batches.js";
import { controlInfoAnnotation } from "../keys.js";
import { batchLabelPatches } from "../labels.js";
import type { BatchReleaseStatus, StatefulSet } from "../model.js";
import {
  isUnorderedUpdate,
  ownedPods,
  statefulSetPartitionOf,
  statefulSetState,
} from "../workloads/statefulset.js";
import { done, notYet, type ObservedRelease, type ReleaseControl } from "./control.js";
import { controlInfo, isControlledBy } from "./control-info.js";
import { partitionSync } from "./partition-sync.js";
import { initializeBookkeeping } from "./rollback-initialize.js";
import { podsForOrderedUpdate, podsForUnorderedUpdate, recountNoNeedUpdate } from "./rollback-pod-filter.js";

/** The value the webhook and Initialize hold a set with: no ordinal is that high. */
export const holdPartition = 32767;

export function statefulSetPartitionControl(observed: ObservedRelease): ReleaseControl {
  const { release } = observed;
  const plan = release.spec.releasePlan;
  const set = observed.workload as StatefulSet | undefined;
  const pods = set ? ownedPods(set, observed.pods ?? []) : [];
  const workload = set ? statefulSetState(set, pods) : undefined;
  const rolloutID = plan.rolloutID ?? "";

  /** Upstream CalculateBatchContext, including the rollback-in-batch arithmetic. */
  const batchContext = (status: BatchReleaseStatus) => {
    const replicas = workload?.replicas ?? 0;
    const currentBatch = status.canaryStatus.currentBatch;
    const noNeedUpdate = status.canaryStatus.noNeedUpdateReplicas ?? null;
    const planned = batchReplicas(plan, replicas, currentBatch);
    let desiredUpdate = planned;
    let desiredStable = statefulSetPartition(plan, replicas, currentBatch);
    if (noNeedUpdate !== null && noNeedUpdate > 0) {
      desiredStable = replicas - noNeedUpdate - batchReplicas(plan, replicas - noNeedUpdate, currentBatch);
      desiredUpdate = replicas - desiredStable;
    }
    // Ordered sets update from the highest ordinal down, so pods already on the target
    // revision still sit below the partition and must be counted on the stable side.
    if (set && !isUnorderedUpdate(set) && noNeedUpdate !== null) {
      desiredStable += noNeedUpdate;
      desiredUpdate = replicas - desiredStable + noNeedUpdate;
    }
    return { replicas, currentBatch, planned, desiredUpdate, desiredPartition: Math.max(desiredStable, 0) };
  };

  const labels = (status: BatchReleaseStatus) => {
    const ctx = batchContext(status);
    const updateRevision = status.updateRevision ?? "";
    const rollback = {
      rolloutID,
      updateRevision,
      replicas: ctx.replicas,
      plannedUpdatedReplicas: ctx.planned,
      desiredUpdatedReplicas: ctx.desiredUpdate,
      desiredPartition: ctx.desiredPartition,
    };
    const candidates =
      (status.canaryStatus.noNeedUpdateReplicas ?? null) === null
        ? pods
        : set && isUnorderedUpdate(set)
          ? podsForUnorderedUpdate(pods, rollback)
          : podsForOrderedUpdate(pods, rollback);
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
            spec: { updateStrategy: { rollingUpdate: { partition: holdPartition, paused: false } } },
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
      // The partition only ever goes down: a batch never sends updated pods back.
      if (statefulSetPartitionOf(set) > ctx.desiredPartition) {
        actions.push(
          patch(workload.target, "merge", {
            spec: { updateStrategy: { rollingUpdate: { partition: ctx.desiredPartition } } },
          }),
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
      const partitioned = set.spec.updateStrategy?.rollingUpdate?.partition != null;
      if (!hasInfo && !(promote && partitioned)) return done();
      return done([
        patch(workload.target, "merge", {
          metadata: { annotations: { [controlInfoAnnotation]: null } },
          ...(promote ? { spec: { updateStrategy: { rollingUpdate: { partition: null } } } } : {}),
        }),
      ]);
    },

    drive: () => [],
  };
}
