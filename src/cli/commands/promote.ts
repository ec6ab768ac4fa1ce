// `promote`: move on whatever holds the rollout, like `vela workflow resume` (clear
// spec.strategy.paused, then approve a StepPaused step). `--full` also jumps to the last step
// through status.canaryStatus.nextStepIndex, the upstream way to jump (spec §3.5, §6.1).
import type { Rollout } from "../../rollout/model.js";
import { strategyOf } from "../../rollout/steps.js";
import type { Cluster } from "../cluster.js";
import { wrongState } from "../errors.js";

export interface PromoteWrites {
  unpause?: { spec: { strategy: { paused: false } } };
  status?: { status: { canaryStatus: { currentStepState?: "StepReady"; nextStepIndex?: number } } };
}

export function promoteWrites(rollout: Rollout, full: boolean): PromoteWrites {
  const name = rollout.metadata.name;
  const sub = rollout.status?.canaryStatus;
  if (rollout.status?.phase !== "Progressing" || !sub || sub.currentStepState === "Completed")
    throw wrongState(name, "is not progressing: nothing to promote");
  const writes: PromoteWrites = {};
  if (rollout.spec.strategy.paused) writes.unpause = { spec: { strategy: { paused: false } } };
  const total = strategyOf(rollout).steps.length;
  const canaryStatus: { currentStepState?: "StepReady"; nextStepIndex?: number } = {};
  // The controller jumps to any nextStepIndex other than the natural next one, in any sub-state.
  if (full && sub.currentStepIndex < total - 1) canaryStatus.nextStepIndex = total;
  else if (sub.currentStepState === "StepPaused") canaryStatus.currentStepState = "StepReady";
  else if (full && sub.currentStepIndex === total - 1)
    throw wrongState(name, `is still running step ${sub.currentStepIndex}; promote again once it pauses`);
  if (Object.keys(canaryStatus).length > 0) writes.status = { status: { canaryStatus } };
  if (!writes.unpause && !writes.status)
    throw wrongState(name, `is not paused: step ${sub.currentStepIndex} is in ${sub.currentStepState}`);
  return writes;
}

export async function promote(cluster: Cluster, name: string, full: boolean): Promise<string> {
  const writes = promoteWrites(await cluster.getRollout(name), full);
  if (writes.unpause) await cluster.patchRollout(name, writes.unpause);
  if (writes.status) await cluster.patchRollout(name, writes.status, "status");
  return `rollout.rollouts.kruise.io/${name} promoted${full ? " (full)" : ""}`;
}
