// `promote`: move on whatever holds the rollout, like `vela workflow resume` (clear
// spec.strategy.paused, then approve a StepPaused step). `--full` also jumps to the last step
// through the step status's nextStepIndex, the upstream way to jump (spec §3.5, §6.1).
import type { Rollout } from "../../rollout/model.js";
import { strategyOf } from "../../rollout/steps.js";
import type { Cluster } from "../cluster.js";
import { wrongState } from "../errors.js";
import { type StepStatusKey, stepStatus } from "../step-status.js";

export interface PromoteWrites {
  unpause?: { spec: { strategy: { paused: false } } };
  status?: { status: Partial<Record<StepStatusKey, StepWrite>> };
}

type StepWrite = { currentStepState?: "StepReady"; nextStepIndex?: number };

export function promoteWrites(rollout: Rollout, full: boolean): PromoteWrites {
  const name = rollout.metadata.name;
  const step = stepStatus(rollout);
  if (rollout.status?.phase !== "Progressing" || !step || step.sub.currentStepState === "Completed")
    throw wrongState(name, "is not progressing: nothing to promote");
  const sub = step.sub;
  const writes: PromoteWrites = {};
  if (rollout.spec.strategy.paused) writes.unpause = { spec: { strategy: { paused: false } } };
  const total = strategyOf(rollout).steps.length;
  const write: StepWrite = {};
  // The controller jumps to any nextStepIndex other than the natural next one, in any sub-state.
  if (full && sub.currentStepIndex < total - 1) write.nextStepIndex = total;
  else if (sub.currentStepState === "StepPaused") write.currentStepState = "StepReady";
  else if (full && sub.currentStepIndex === total - 1)
    throw wrongState(name, `is still running step ${sub.currentStepIndex}; promote again once it pauses`);
  if (Object.keys(write).length > 0) writes.status = { status: { [step.key]: write } };
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
