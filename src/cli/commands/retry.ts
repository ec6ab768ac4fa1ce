// `retry`: run the current step again — re-apply its batch and traffic, then its pause — by
// writing nextStepIndex = currentStepIndex in the step status, the upstream jump (spec §3.5).
import type { Rollout } from "../../rollout/model.js";
import type { Cluster } from "../cluster.js";
import { wrongState } from "../errors.js";
import { type StepStatusKey, stepStatus } from "../step-status.js";

export interface RetryPatch {
  status: Partial<Record<StepStatusKey, { nextStepIndex: number }>>;
}

export function retryPatch(rollout: Rollout): RetryPatch {
  const step = stepStatus(rollout);
  if (rollout.status?.phase !== "Progressing" || !step || step.sub.currentStepState === "Completed")
    throw wrongState(rollout.metadata.name, "is not progressing: no step to retry");
  return { status: { [step.key]: { nextStepIndex: step.sub.currentStepIndex } } };
}

export async function retry(cluster: Cluster, name: string): Promise<string> {
  const patch = retryPatch(await cluster.getRollout(name));
  await cluster.patchRollout(name, patch, "status");
  const [sub] = Object.values(patch.status);
  return `rollout.rollouts.kruise.io/${name} retrying step ${sub?.nextStepIndex}`;
}
