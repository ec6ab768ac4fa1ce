// `retry`: run the current step again — re-apply its batch and traffic, then its pause — by
// writing status.canaryStatus.nextStepIndex = currentStepIndex, the upstream jump (spec §3.5).
import type { Rollout } from "../../rollout/model.js";
import type { Cluster } from "../cluster.js";
import { wrongState } from "../errors.js";

export function retryPatch(rollout: Rollout): { status: { canaryStatus: { nextStepIndex: number } } } {
  const sub = rollout.status?.canaryStatus;
  if (rollout.status?.phase !== "Progressing" || !sub || sub.currentStepState === "Completed")
    throw wrongState(rollout.metadata.name, "is not progressing: no step to retry");
  return { status: { canaryStatus: { nextStepIndex: sub.currentStepIndex } } };
}

export async function retry(cluster: Cluster, name: string): Promise<string> {
  const patch = retryPatch(await cluster.getRollout(name));
  await cluster.patchRollout(name, patch, "status");
  return `rollout.rollouts.kruise.io/${name} retrying step ${patch.status.canaryStatus.nextStepIndex}`;
}
