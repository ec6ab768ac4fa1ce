// `pause` and `resume`: kubectl-kruise's toggle of spec.strategy.paused (spec §6.2), which is
// also what `vela workflow suspend` writes. Paused holds a rollout only while it is rolling.
import type { Rollout } from "../../rollout/model.js";
import type { Cluster } from "../cluster.js";
import { wrongState } from "../errors.js";

export function pausePatch(rollout: Rollout, paused: boolean): { spec: { strategy: { paused: boolean } } } {
  const current = rollout.spec.strategy.paused === true;
  if (current === paused)
    throw wrongState(rollout.metadata.name, paused ? "is already paused" : "is not paused");
  return { spec: { strategy: { paused } } };
}

export async function setPaused(cluster: Cluster, name: string, paused: boolean): Promise<string> {
  const rollout = await cluster.getRollout(name);
  await cluster.patchRollout(name, pausePatch(rollout, paused));
  return `rollout.rollouts.kruise.io/${name} ${paused ? "paused" : "resumed"}`;
}
