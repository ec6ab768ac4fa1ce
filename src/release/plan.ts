// One pass of the BatchRelease controller as a pure function (spec §4.2, upstream
// batchrelease_controller.go + batchrelease_executor.go + batchrelease_status.go): observed
// state in, the new status and the writes to perform out.

import { type Action, patch, removeFinalizer } from "./actions.js";
import type { ObservedRelease, StepResult, WorkloadSync } from "./control/control.js";
import { batchReleaseTypeMeta } from "./control/control-info.js";
import { releaseControl, releaseStyle } from "./control/select.js";
import { batchReleaseFinalizer, rollbackInBatchAnnotation } from "./keys.js";
import type { BatchRelease, BatchReleaseStatus } from "./model.js";
import { releasePlanHash } from "./plan-hash.js";
import { isCompleted } from "./pods.js";
import {
  initialStatus,
  recalculate,
  removeProgressingCondition,
  restartBatch,
  sameStatus,
  setProgressingCondition,
  startingStatus,
} from "./release-status.js";

/** Upstream's BatchRelease requeue: every transition is persisted and re-observed after 2 s. */
export const releaseRequeueMs = 2000;

export interface ReleasePlanResult {
  /** The status to persist (equal to the observed one when nothing changed). */
  status: BatchReleaseStatus;
  statusChanged: boolean;
  /** Writes in order; the shell performs them before writing the status. */
  actions: Action[];
  requeueAfterMs?: number;
  /** A step could not finish; requeue with backoff (upstream returned an error). */
  retry?: string;
  /** Why the pass stopped early or what special case it met (for logs). */
  message?: string;
}

export function planBatchRelease(input: ObservedRelease, now: Date): ReleasePlanResult {
  const observed = { ...input, pods: (input.pods ?? []).filter((p) => !isCompleted(p)) };
  const { release } = observed;
  const persisted = release.status ?? { canaryStatus: { currentBatch: 0 } };
  const finish = (status: BatchReleaseStatus, actions: Action[], extra: Partial<ReleasePlanResult> = {}) =>
    result(release, persisted, status, actions, extra);

  const finalizer = finalizerActions(release);
  if (release.metadata.deletionTimestamp && persisted.phase === "Completed")
    return finish(persisted, finalizer);

  const style = releaseStyle(release.spec.workloadRef, release.spec.releasePlan);
  if (!style) {
    const { apiVersion, kind } = release.spec.workloadRef;
    return finish(persisted, [
      ...finalizer,
      {
        kind: "event",
        type: "Warning",
        reason: "UnsupportedWorkload",
        message: `the workload type '${apiVersion}, Kind=${kind}' is not supported`,
      },
    ]);
  }
  const control = releaseControl(style, observed);
  const status = startingStatus(release);
  const sync = control.sync(status);
  const driven = () => (["Finalizing", "Completed"].includes(status.phase ?? "") ? [] : control.drive());

  const special = applySpecialCases(release, status, sync, observed.workloadError);
  refresh(release, status, sync);
  if (special.stop || observed.workloadError) {
    return finish(status, [...finalizer, ...driven()], { message: special.message });
  }
  if (!sameStatus(persisted, status)) {
    return finish(status, [...finalizer, ...driven()], {
      requeueAfterMs: releaseRequeueMs,
      message: special.message,
    });
  }

  const step = runPhase(release, status, control, now);
  return finish(status, [...finalizer, ...step.actions, ...driven()], {
    ...(step.requeue ? { requeueAfterMs: releaseRequeueMs } : {}),
    ...(step.retry ? { retry: step.retry } : {}),
  });
}

function result(
  release: BatchRelease,
  persisted: BatchReleaseStatus,
  status: BatchReleaseStatus,
  actions: Action[],
  extra: Partial<ReleasePlanResult>,
): ReleasePlanResult {
  // The generation is recorded before comparing, as upstream's updateStatus does: a spec change
  // that nets out to the same status (a field edited and edited back before this pass) must
  // still be acknowledged, or the Rollout, which waits for observedGeneration, waits forever.
  const next = { ...status, observedGeneration: release.metadata.generation ?? 0 };
  const changed = !sameStatus(persisted, next);
  const final = changed ? next : persisted;
  const clean = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined));
  return { status: final, statusChanged: changed, actions, ...clean };
}

/** Upstream keeps its finalizer until the release is Completed, so the workload is always restored. */
function finalizerActions(release: BatchRelease): Action[] {
  const finalizers = release.metadata.finalizers ?? [];
  const has = finalizers.includes(batchReleaseFinalizer);
  const target = {
    ...batchReleaseTypeMeta,
    namespace: release.metadata.namespace,
    name: release.metadata.name,
  };
  const deleting = Boolean(release.metadata.deletionTimestamp);
  if (deleting && release.status?.phase === "Completed" && has) {
    return [removeFinalizer(target, finalizers, batchReleaseFinalizer)];
  }
  if (!deleting && !has) {
    return [
      patch(
        target,
        "merge",
        { metadata: { finalizers: [...finalizers, batchReleaseFinalizer] } },
        release.metadata.resourceVersion,
      ),
    ];
  }
  return [];
}

/** Upstream syncStatusBeforeExecuting's switch: the first matching case wins. */
function applySpecialCases(
  release: BatchRelease,
  status: BatchReleaseStatus,
  sync: WorkloadSync,
  workloadError: string | undefined,
): { stop: boolean; message?: string } {
  const plan = release.spec.releasePlan;
  const phase = release.status?.phase ?? "";
  const progressing = phase === "Progressing";
  const rollbackAnnotated = Boolean(release.metadata.annotations?.[rollbackInBatchAnnotation]);

  if (phase === "Completed")
    return { stop: true, message: "release plan has been completed, will do nothing" };
  if (
    release.metadata.deletionTimestamp ||
    phase === "Finalizing" ||
    plan.batchPartition === undefined ||
    plan.batchPartition === null
  ) {
    status.phase = "Finalizing";
    return { stop: false, message: "release plan is deleted or cancelled, then finalize" };
  }
  if (progressing && (release.status?.observedReleasePlanHash ?? "") !== releasePlanHash(plan)) {
    recalculate(release, status);
    return { stop: false, message: "release plan is changed, then recalculate status" };
  }
  if (progressing && (release.status?.canaryStatus?.currentBatch ?? 0) >= plan.batches.length) {
    Object.assign(status, initialStatus(), { conditions: undefined, message: undefined });
    return { stop: false, message: "release plan is unhealthy, then restart" };
  }
  if (workloadError) return { stop: true, message: workloadError };
  if (sync.event === "gone" && phase !== "Initial" && phase !== "") {
    status.phase = "Finalizing";
    return { stop: false, message: "target workload has gone, then finalize" };
  }
  if (sync.event === "replicasChanged" && progressing) {
    restartBatch(status);
    status.observedWorkloadReplicas = sync.replicas ?? status.observedWorkloadReplicas;
    return { stop: false, message: "workload is scaling, then reinitialize batch status" };
  }
  if (sync.event === "templateChanged" && progressing) {
    status.updateRevision = sync.updateRevision ?? "";
    return { stop: true, message: "workload revision was changed, then abort" };
  }
  if (sync.event === "reconciling")
    return { stop: true, message: "workload status is not stable, then wait" };
  if (
    (sync.event === "rollbackInBatch" || rollbackAnnotated) &&
    progressing &&
    (release.status?.canaryStatus?.noNeedUpdateReplicas ?? null) === null
  ) {
    if (
      rollbackAnnotated &&
      sync.updateRevision !== undefined &&
      sync.stableRevision === sync.updateRevision
    ) {
      status.phase = "Preparing";
      restartBatch(status);
      status.updateRevision = sync.updateRevision ?? "";
      return { stop: false, message: "workload is rollback in batch" };
    }
    return { stop: true, message: "workload is preparing rollback, wait condition to be satisfied" };
  }
  return { stop: false };
}

function refresh(release: BatchRelease, status: BatchReleaseStatus, sync: WorkloadSync): void {
  if (sync.updatedReplicas !== undefined) status.canaryStatus.updatedReplicas = sync.updatedReplicas;
  if (sync.updatedReadyReplicas !== undefined)
    status.canaryStatus.updatedReadyReplicas = sync.updatedReadyReplicas;
  if (!status.observedReleasePlanHash)
    status.observedReleasePlanHash = releasePlanHash(release.spec.releasePlan);
  status.observedRolloutID = release.spec.releasePlan.rolloutID ?? "";
}

interface PhaseStep {
  actions: Action[];
  requeue?: boolean;
  retry?: string;
}

function runPhase(
  release: BatchRelease,
  status: BatchReleaseStatus,
  control: ReturnType<typeof releaseControl>,
  now: Date,
): PhaseStep {
  switch (status.phase) {
    case "Progressing":
      return runBatch(release, status, control, now);
    case "Finalizing": {
      const r = control.finalize(status);
      if (r.done) status.phase = "Completed";
      return outcome(r, false);
    }
    case "Completed":
      return { actions: [] };
    default: {
      status.phase = "Preparing";
      const r = control.initialize(status);
      if (!r.done) return outcome(r, false);
      applyStepStatus(status, r);
      status.phase = "Progressing";
      return outcome(r, true);
    }
  }
}

/** Upstream progressBatches: Upgrading → Verifying → Ready → next batch when the partition allows. */
function runBatch(
  release: BatchRelease,
  status: BatchReleaseStatus,
  control: ReturnType<typeof releaseControl>,
  now: Date,
): PhaseStep {
  const canary = status.canaryStatus;
  switch (canary.batchState) {
    case "Verifying": {
      const r = control.ensureBatchReady(status);
      if (!r.done) {
        canary.batchState = "Upgrading";
        return outcome(r, false);
      }
      canary.batchReadyTime = now.toISOString();
      canary.batchState = "Ready";
      return outcome(r, true);
    }
    case "Ready": {
      const r = control.ensureBatchReady(status);
      if (!r.done) {
        canary.batchReadyTime = null;
        canary.batchState = "Upgrading";
        return outcome(r, false);
      }
      const partition = release.spec.releasePlan.batchPartition;
      const partitioned = partition !== undefined && partition !== null && partition <= canary.currentBatch;
      if (partitioned) return outcome(r, false);
      // Reaching here means batchPartition is above the current batch (null was handled as Finalizing).
      canary.currentBatch += 1;
      canary.batchState = "Upgrading";
      return outcome(r, true);
    }
    default: {
      canary.batchState = "Upgrading";
      const r = control.upgradeBatch(status);
      applyStepStatus(status, r);
      if (r.done) {
        removeProgressingCondition(status);
        canary.batchState = "Verifying";
        return outcome(r, true);
      }
      if (r.badRequest) setProgressingCondition(status, "InRolling", r.reason ?? "", now);
      return outcome(r, false);
    }
  }
}

function applyStepStatus(status: BatchReleaseStatus, r: StepResult): void {
  const { noNeedUpdateReplicas, ...rest } = r.status ?? {};
  Object.assign(status, rest);
  if (noNeedUpdateReplicas !== undefined) status.canaryStatus.noNeedUpdateReplicas = noNeedUpdateReplicas;
}

function outcome(r: StepResult, requeue: boolean): PhaseStep {
  return {
    actions: r.actions,
    ...(requeue ? { requeue } : {}),
    ...(!r.done && r.reason ? { retry: r.reason } : {}),
  };
}
