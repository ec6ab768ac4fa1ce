// What the Advanced and the native DaemonSet controls share (upstream's two CalculateBatchContext
// are the same arithmetic): how many pods a batch updates and keeps, the batch labels, and the
// readiness check. Both update pods in no particular order, so rollback in batches uses the
// unordered pod filter.

import { batchNotReadyReason, batchReplicas } from "../batches.js";
import { batchLabelPatches } from "../labels.js";
import type { BatchRelease, BatchReleaseStatus, Pod } from "../model.js";
import type { WorkloadState } from "../workloads/workload-state.js";
import { done, notYet, type StepResult } from "./control.js";
import { podsForUnorderedUpdate, recountNoNeedUpdate } from "./rollback-pod-filter.js";

export interface DaemonSetBatch {
  replicas: number;
  currentBatch: number;
  /** Pods the plan wants updated. */
  planned: number;
  /** Pods that must really be updated (the plan, less the rollback's no-need-update pods). */
  desiredUpdate: number;
  /** Pods that stay on the old revision, never below 0: the partition. */
  desiredPartition: number;
}

export function daemonSetBatch(
  release: BatchRelease,
  replicas: number,
  status: BatchReleaseStatus,
): DaemonSetBatch {
  const plan = release.spec.releasePlan;
  const currentBatch = status.canaryStatus.currentBatch;
  const noNeedUpdate = status.canaryStatus.noNeedUpdateReplicas ?? null;
  const planned = batchReplicas(plan, replicas, currentBatch);
  let desiredUpdate = planned;
  let desiredStable = replicas - desiredUpdate;
  if (noNeedUpdate !== null && noNeedUpdate > 0) {
    desiredStable = replicas - noNeedUpdate - batchReplicas(plan, replicas - noNeedUpdate, currentBatch);
    desiredUpdate = replicas - desiredStable;
  }
  return { replicas, currentBatch, planned, desiredUpdate, desiredPartition: Math.max(desiredStable, 0) };
}

export function daemonSetBatchLabels(
  release: BatchRelease,
  replicas: number,
  status: BatchReleaseStatus,
  pods: Pod[],
  legacyLabels: boolean,
) {
  const plan = release.spec.releasePlan;
  const rolloutID = plan.rolloutID ?? "";
  const ctx = daemonSetBatch(release, replicas, status);
  const updateRevision = status.updateRevision ?? "";
  const candidates =
    (status.canaryStatus.noNeedUpdateReplicas ?? null) === null
      ? pods
      : podsForUnorderedUpdate(pods, {
          rolloutID,
          updateRevision,
          replicas,
          plannedUpdatedReplicas: ctx.planned,
          desiredUpdatedReplicas: ctx.desiredUpdate,
          desiredPartition: ctx.desiredPartition,
        });
  return batchLabelPatches({
    plan,
    replicas,
    currentBatch: ctx.currentBatch,
    rolloutID,
    updateRevision,
    pods: candidates,
    legacyLabels,
  });
}

/** Rollback in batch: pods may have been recreated since Initialize, so recount the marked ones. */
export function withRecountedNoNeedUpdate(
  release: BatchRelease,
  status: BatchReleaseStatus,
  pods: Pod[],
): { status: BatchReleaseStatus; noNeedUpdate?: number } {
  const rolloutID = release.spec.releasePlan.rolloutID ?? "";
  const noNeedUpdate = recountNoNeedUpdate(pods, rolloutID, status);
  if (noNeedUpdate === undefined) return { status };
  return {
    status: { ...status, canaryStatus: { ...status.canaryStatus, noNeedUpdateReplicas: noNeedUpdate } },
    noNeedUpdate,
  };
}

/** Upstream EnsureBatchPodsReadyAndLabeled for DaemonSets; `updatedReady` is counted from pods. */
export function daemonSetBatchReady(
  release: BatchRelease,
  workload: WorkloadState | undefined,
  status: BatchReleaseStatus,
  pods: Pod[],
  updatedReady: number,
): StepResult {
  if (!workload) return notYet("workload not found");
  if (workload.replicas === 0) return done();
  const plan = release.spec.releasePlan;
  const ctx = daemonSetBatch(release, workload.replicas, status);
  const reason = batchNotReadyReason({
    rolloutID: plan.rolloutID ?? "",
    updatedReplicas: workload.status.updatedReplicas,
    updatedReadyReplicas: updatedReady,
    desiredUpdatedReplicas: ctx.desiredUpdate,
    plannedUpdatedReplicas: ctx.planned,
    failureThreshold: plan.failureThreshold ?? null,
    pods,
  });
  return reason ? notYet(reason) : done();
}
