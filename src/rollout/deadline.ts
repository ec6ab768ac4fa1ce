import { abort } from "./abort.js";
import type { Pass } from "./pass.js";
import { resolveReplicas, strategyOf } from "./steps.js";

// progressDeadlineSeconds: a step whose batch is not Ready in time aborts (progressDeadlineAbort)
// or pauses, and either way says so in the status and an Event, so no rollout sits in "upgrade
// workload" without a word (upstream #174). The clock is the sub-status' lastUpdateTime, stamped
// when the step started, so it survives a restart.

/** Called while the batch is not Ready. Returns true when the pass must end (it aborted). */
export function checkProgressDeadline(pass: Pass): boolean {
  const strategy = strategyOf(pass.rollout);
  const seconds = strategy.progressDeadlineSeconds;
  const sub = pass.canary;
  if (!seconds || !sub) return false;
  const left = seconds * 1000 - pass.sinceLastUpdate();
  if (left > 0) {
    pass.requeue(left);
    return false;
  }
  const n = strategy.steps.length;
  const target = resolveReplicas(
    strategy.steps[sub.currentStepIndex - 1]?.replicas,
    pass.observed.workload?.replicas ?? 0,
  );
  const what = `step(${sub.currentStepIndex}/${n}) not Ready within progressDeadlineSeconds ${seconds} (${sub.canaryReadyReplicas}/${target} canary pods ready)`;
  if (strategy.progressDeadlineAbort) {
    abort(pass, what, "ProgressDeadlineExceeded");
    return true;
  }
  const message = `Rollout is in step(${sub.currentStepIndex}/${n}), paused: ${what}; fix the pods or roll the workload back`;
  if (pass.rollout.status?.message !== message) pass.event("Warning", "ProgressDeadlineExceeded", what);
  pass.status.message = message;
  sub.message = message;
  return false;
}
