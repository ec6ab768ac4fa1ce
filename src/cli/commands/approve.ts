// `approve`: exactly kubectl-kruise's write (spec §6.1) — a JSON merge patch of the status
// subresource moving a StepPaused step to StepReady — with its refusals worded as upstream's.
import type { Rollout } from "../../rollout/model.js";
import type { Cluster } from "../cluster.js";
import { wrongState } from "../errors.js";
import { type StepStatusKey, stepStatus } from "../step-status.js";

/** The status patch that approves the current step, or the refusal upstream would print. */
export function approvePatch(rollout: Rollout): {
  status: Partial<Record<StepStatusKey, { currentStepState: "StepReady" }>>;
} {
  const name = rollout.metadata.name;
  const step = stepStatus(rollout);
  if (!step) throw wrongState(name, "no need to approve: not in canary or blue-green progress");
  if (step.sub.currentStepState !== "StepPaused") {
    const kind = step.key === "canaryStatus" ? "canary" : "blue-green";
    throw wrongState(name, `does not allow to approve, because current ${kind} state is not 'StepPaused'`);
  }
  return { status: { [step.key]: { currentStepState: "StepReady" } } };
}

export async function approve(cluster: Cluster, name: string): Promise<string> {
  const rollout = await cluster.getRollout(name);
  await cluster.patchRollout(name, approvePatch(rollout), "status");
  return `rollout.rollouts.kruise.io/${name} approved`;
}
