// Rollback in batch (spec §2.5): pods already on the target revision are marked no-need-update
// and must not use up a batch's labels. These filters pick the pods the label patcher may count,
// as upstream labelpatch/filter.go does for unordered and ordered StatefulSet updates.

import { noNeedUpdateLabel, rolloutIdLabel } from "../keys.js";
import type { BatchReleaseStatus, Pod } from "../model.js";
import { isTerminating, runsRevision } from "../pods.js";

export interface RollbackBatch {
  rolloutID: string;
  updateRevision: string;
  replicas: number;
  plannedUpdatedReplicas: number;
  desiredUpdatedReplicas: number;
  /** Pods below this ordinal stay stable. */
  desiredPartition: number;
}

/** Updated pods first; no-need-update pods only as far as the plan still needs pods. */
export function podsForUnorderedUpdate(pods: Pod[], b: RollbackBatch): Pod[] {
  const updated = pods.filter((p) => !isTerminating(p) && runsRevision(p.metadata.labels, b.updateRevision));
  const noNeed = (p: Pod) =>
    p.metadata.labels?.[noNeedUpdateLabel] === b.rolloutID &&
    p.metadata.labels?.[rolloutIdLabel] !== b.rolloutID;
  const low = updated.filter(noNeed);
  const high = updated.filter((p) => !noNeed(p));
  return choose(pods, high, low, b.desiredUpdatedReplicas - low.length, b.plannedUpdatedReplicas);
}

/** Pods at or above the partition first (highest ordinal first, as upstream sorts), then those below. */
export function podsForOrderedUpdate(pods: Pod[], b: RollbackBatch): Pod[] {
  const updated = pods
    .filter((p) => !isTerminating(p) && runsRevision(p.metadata.labels, b.updateRevision))
    .sort((x, y) => ordinal(y) - ordinal(x));
  const high = updated.filter((p) => ordinal(p) >= b.desiredPartition);
  const low = updated.filter((p) => ordinal(p) < b.desiredPartition);
  return choose(pods, high, low, b.replicas - b.desiredPartition, b.plannedUpdatedReplicas);
}

function choose(all: Pod[], high: Pod[], low: Pod[], needUpdate: number, planned: number): Pod[] {
  const terminating = all.filter(isTerminating);
  if (needUpdate <= 0) return all;
  const extra = planned - needUpdate;
  return [...high, ...(extra > 0 ? low.slice(0, extra) : []), ...terminating];
}

function ordinal(pod: Pod): number {
  const name = pod.metadata.name ?? "";
  const value = Number.parseInt(name.slice(name.lastIndexOf("-") + 1), 10);
  return Number.isNaN(value) ? 0 : value;
}

/**
 * Rollback in batch: pods may have been recreated since Initialize, so the marked ones are
 * recounted. Undefined when the release does not roll back in batches.
 */
export function recountNoNeedUpdate(
  pods: Pod[],
  rolloutID: string,
  status: BatchReleaseStatus,
): number | undefined {
  if (!rolloutID || (status.canaryStatus.noNeedUpdateReplicas ?? null) === null) return undefined;
  return pods.filter(
    (p) =>
      !isTerminating(p) &&
      runsRevision(p.metadata.labels, status.updateRevision ?? "") &&
      p.metadata.labels?.[noNeedUpdateLabel] === rolloutID,
  ).length;
}
