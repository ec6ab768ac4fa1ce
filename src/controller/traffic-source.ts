import type { Rollout } from "../rollout/model.js";
import type { TrafficOps, WorkloadView } from "../rollout/observed.js";

/** Binds the traffic operations for one pass; null when the Rollout routes no traffic. */
export type TrafficSource = (rollout: Rollout, workload: WorkloadView | null) => Promise<TrafficOps | null>;

export function hasTrafficRoutings(rollout: Rollout): boolean {
  return (
    ((rollout.spec.strategy.canary ?? rollout.spec.strategy.blueGreen)?.trafficRoutings?.length ?? 0) > 0
  );
}
