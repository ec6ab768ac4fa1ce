// Batch arithmetic shared by every control: how many pods a batch wants, when a batch counts as
// ready (spec §2.6), and the partition value each workload kind is given.

import { isPercent, scaledValue } from "./int-or-string.js";
import { rolloutIdLabel } from "./keys.js";
import type { IntOrString, Pod, ReleasePlan } from "./model.js";
import { isTerminating } from "./pods.js";

/** Pods that must run the new revision at `batch`: round-up percentage, clamped to [0, R]. */
export function batchReplicas(plan: ReleasePlan, replicas: number, batch: number): number {
  const size = scaledValue(plan.batches[batch]?.canaryReplicas, replicas, true);
  return Math.min(Math.max(size, 0), replicas);
}

/** Everything the readiness rule looks at for the current batch. */
export interface BatchProgress {
  rolloutID?: string;
  updatedReplicas: number;
  updatedReadyReplicas: number;
  desiredUpdatedReplicas: number;
  /** Pods that must carry the rollout-id label (0 for canary style). */
  plannedUpdatedReplicas: number;
  failureThreshold?: IntOrString | null;
  pods: Pod[];
}

/** Undefined when the batch is ready, otherwise upstream's reason why it is not. */
export function batchNotReadyReason(p: BatchProgress): string | undefined {
  if (p.updatedReplicas < p.desiredUpdatedReplicas) {
    return `current batch not ready: updated replicas not satisfied, UpdatedReplicas ${p.updatedReplicas} < DesiredUpdatedReplicas ${p.desiredUpdatedReplicas}`;
  }
  // nil failureThreshold tolerates nothing; the API comment about maxUnavailable is not implemented upstream.
  const tolerated = scaledValue(p.failureThreshold, p.updatedReplicas, true);
  if (tolerated + p.updatedReadyReplicas < p.desiredUpdatedReplicas) {
    return `current batch not ready: updated ready replicas not satisfied, allowedUnavailable + UpdatedReadyReplicas ${tolerated + p.updatedReadyReplicas} < DesiredUpdatedReplicas ${p.desiredUpdatedReplicas}`;
  }
  if (p.desiredUpdatedReplicas > 0 && p.updatedReadyReplicas === 0) {
    return `current batch not ready: no updated ready replicas, DesiredUpdatedReplicas ${p.desiredUpdatedReplicas} > 0 and UpdatedReadyReplicas ${p.updatedReadyReplicas} = 0`;
  }
  if (!batchLabelsSatisfied(p)) {
    return `current batch not ready: pods with batch label not satisfied, RolloutID ${p.rolloutID ?? ""}, PlannedUpdatedReplicas ${p.plannedUpdatedReplicas}`;
  }
  return undefined;
}

function batchLabelsSatisfied(p: BatchProgress): boolean {
  if (!p.rolloutID || p.pods.length === 0) return true;
  const labelled = p.pods.filter(
    (pod) => !isTerminating(pod) && pod.metadata.labels?.[rolloutIdLabel] === p.rolloutID,
  );
  return labelled.length >= p.plannedUpdatedReplicas;
}

/** StatefulSet-like partition: the number of pods to keep on the stable revision. */
export function statefulSetPartition(plan: ReleasePlan, replicas: number, batch: number): number {
  return replicas - batchReplicas(plan, replicas, batch);
}

/**
 * Partition-style Deployment: how many pods the new ReplicaSet may have for a partition
 * (upstream NewRSReplicasLimit). A percentage other than "100%" never updates every pod of a
 * multi-pod Deployment, so "90%" of 3 updates 2.
 */
export function newReplicaSetLimit(partition: IntOrString | null | undefined, replicas: number): number {
  let limit = Math.max(Math.min(scaledValue(partition ?? 0, replicas, true), replicas), 0);
  if (replicas > 1 && isPercent(partition) && partition !== "100%") limit = Math.min(limit, replicas - 1);
  return limit;
}

/** Compares two partitions as upstream does: both resolved against a huge total. */
export function partitionAtLeast(current: IntOrString | null | undefined, desired: IntOrString): boolean {
  const huge = 10_000_000;
  return scaledValue(current ?? 0, huge, true) >= scaledValue(desired, huge, true);
}

/** Kubernetes resolveFenceposts: surge rounds up, unavailable down, and never both zero. */
export function fenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  replicas: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, replicas, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}
