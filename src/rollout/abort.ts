import {
  ConditionType,
  ProgressingReason,
  type ProgressingReason as Reasons,
  setCondition,
} from "./conditions.js";
import { graceMs, graceRemainingMs } from "./finalise.js";
import type { Condition } from "./model.js";
import type { Pass } from "./pass.js";

// Abort: a failed analysis or a missed progress deadline. Traffic goes back to stable first; then
// the workload's template is put back to the stable revision (what `kubectl rollout undo` does),
// which the state machine sees as a rollback and finishes through the Cancelling path — the
// finalising Rollback order: traffic to stable, workload resumed on the stable template, control
// released, stable Service selector restored, canary Service removed. Reverting the template is
// what keeps the resumed workload from rolling the failed revision out to every pod.

const abortedPrefix = "Rollout aborted: ";

function setProgressing(pass: Pass, reason: (typeof Reasons)[keyof typeof Reasons], message: string): void {
  pass.status.conditions = setCondition(
    pass.status.conditions,
    { type: ConditionType.Progressing, status: "True", reason, message },
    pass.now,
  );
  pass.status.message = message;
  pass.requeue(0);
}

/** Starts an abort; `why` names the failing metric and its value, or the missed deadline. */
export function abort(
  pass: Pass,
  why: string,
  eventReason: "AnalysisFailed" | "ProgressDeadlineExceeded",
): void {
  pass.event("Warning", eventReason, why);
  pass.touch();
  setProgressing(pass, ProgressingReason.Aborting, `${abortedPrefix}${why}`);
}

/**
 * The Aborting reason, one change per pass: traffic to stable (then its grace period), then the
 * template revert. Once the workload is seen rolled back, Cancelling takes over.
 */
export function aborting(pass: Pass, condition: Condition): void {
  const sub = pass.canary;
  const workload = pass.observed.workload;
  if (!sub || !workload) return;
  const message = condition.message ?? abortedPrefix;
  if (workload.canaryRevision !== sub.canaryRevision) {
    if (workload.isRollback) {
      sub.canaryRevision = workload.canaryRevision;
      setProgressing(pass, ProgressingReason.Cancelling, message);
    } else {
      // Someone released yet another revision meanwhile: never revert over it; the
      // continuous-release path of InRolling restarts the rollout for it.
      setProgressing(pass, ProgressingReason.InRolling, "Rollout is in Progressing");
    }
    return;
  }
  const traffic = pass.observed.traffic;
  if (traffic) {
    const routed = traffic.restoreGateway();
    if (routed.error) {
      pass.status.message = `${message}; ${routed.error}`;
      pass.requeue(3000);
      return;
    }
    if (routed.actions.length > 0) {
      pass.actions.push(...routed.actions);
      pass.touch();
      pass.requeue(Math.max(graceMs(pass), 1000));
      return;
    }
    const remaining = graceRemainingMs(pass, graceMs(pass));
    if (remaining > 0) {
      pass.requeue(remaining);
      return;
    }
  }
  const revert = pass.observed.analysis?.revert;
  if (!revert?.action) {
    pass.status.message = `${message}; cannot roll the workload back yet: ${revert?.error ?? "stable template not read"}`;
    pass.requeue(5000);
    return;
  }
  pass.event(
    "Normal",
    "RollingBack",
    `traffic is on stable; rolling the workload back to revision ${sub.stableRevision ?? ""}`,
  );
  pass.actions.push(revert.action);
  pass.requeue(1000);
}

/** How a finished Cancelling is reported: an abort keeps its cause. */
export function cancelOutcome(condition: Condition | undefined): { reason: string; message: string } {
  const message = condition?.message ?? "";
  return message.startsWith(abortedPrefix)
    ? { reason: "Aborted", message }
    : { reason: "Canceled", message: "Rollout progressing has been canceled" };
}
