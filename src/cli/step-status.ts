// A Rollout's step progress is status.canaryStatus for a canary release and
// status.blueGreenStatus for a blue-green one (upstream's CommonStatus in both, with the
// blue-green revision and replica counts named "updated…"). Every command reads it, and writes
// to it, through here, so both styles work alike.
import { internalRollout } from "../rollout/bluegreen-status.js";
import type { CanaryStatus, Rollout } from "../rollout/model.js";

export type StepStatusKey = "canaryStatus" | "blueGreenStatus";

export interface StepStatus {
  /** The status field that holds it, for patches (the fields patched are named alike in both). */
  key: StepStatusKey;
  /** Read in canaryStatus's shape, as the state machine reads it. */
  sub: CanaryStatus;
}

export function stepStatus(rollout: Rollout): StepStatus | undefined {
  const sub = internalRollout(rollout).status?.canaryStatus;
  if (!sub) return undefined;
  return { key: rollout.spec.strategy.blueGreen ? "blueGreenStatus" : "canaryStatus", sub };
}
