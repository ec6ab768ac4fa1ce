// Upstream keeps a blue-green release's progress in `status.blueGreenStatus` (Go BlueGreenStatus:
// CommonStatus plus updatedRevision/updatedReplicas/updatedReadyReplicas) and leaves
// `status.canaryStatus` nil. The state machine works on one sub-status shape for every style;
// these two functions translate at the boundary, so clients (kubectl-kruise approve, upstream's
// e2e checks, dashboards) find the blue-green fields where upstream writes them.

import type { CanaryStatus, Rollout, RolloutStatus } from "./model.js";

type Sub = Record<string, unknown>;

const renames: [canary: string, blueGreen: string][] = [
  ["canaryRevision", "updatedRevision"],
  ["canaryReplicas", "updatedReplicas"],
  ["canaryReadyReplicas", "updatedReadyReplicas"],
];

function rename(sub: Sub, from: 0 | 1): Sub {
  const to = from === 0 ? 1 : 0;
  const out: Sub = { ...sub };
  for (const pair of renames) {
    const value = out[pair[from]];
    delete out[pair[from]];
    if (value !== undefined) out[pair[to]] = value;
  }
  return out;
}

const isBlueGreen = (rollout: Rollout) => rollout.spec.strategy.blueGreen !== undefined;

/** The Rollout as the state machine reads it: a blue-green sub-status moved into `canaryStatus`. */
export function internalRollout(rollout: Rollout): Rollout {
  if (!isBlueGreen(rollout) || !rollout.status) return rollout;
  const {
    blueGreenStatus,
    canaryStatus: _ignored,
    ...rest
  } = rollout.status as RolloutStatus & {
    blueGreenStatus?: Sub;
  };
  const status: RolloutStatus = { ...rest };
  if (blueGreenStatus) status.canaryStatus = rename(blueGreenStatus, 1) as unknown as CanaryStatus;
  return { ...rollout, status };
}

/** The status as it is stored: for blue-green, the sub-status under `blueGreenStatus` only. */
export function externalStatus(rollout: Rollout, status: RolloutStatus): RolloutStatus {
  if (!isBlueGreen(rollout)) return status;
  const { canaryStatus, ...rest } = status;
  if (!canaryStatus) return rest as RolloutStatus;
  return { ...rest, blueGreenStatus: rename(canaryStatus as unknown as Sub, 0) } as RolloutStatus;
}
