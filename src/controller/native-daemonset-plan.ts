// The native-DaemonSet controller's decision (upstream master pkg/controller/nativedaemonset), as a
// pure function. A DaemonSet on OnDelete only replaces the pods someone deletes; this deletes
// old-revision pods until at least `pods − partition` run the batch revision, never making more
// than maxUnavailable pods unavailable at once, and never twice for the same deletion (delete
// expectations: pods we deleted that the pod list still shows alive).

import { scaledValue } from "../release/int-or-string.js";
import type { Pod } from "../release/model.js";
import { isCompleted, isReady, isTerminating, runsRevision } from "../release/pods.js";
import { type DaemonSet, parseAdvancedControl } from "../release/workloads/daemonset.js";
import { ownedPods } from "../release/workloads/statefulset.js";

export const podDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";
/** Upstream's --expectation-timeout default: after this, a deletion we never saw is forgotten. */
export const expectationTimeoutMs = 5 * 60_000;
export const retryMs = 2000;

/** Pods we deleted and have not yet seen go: uid → when we deleted it (ms since epoch). */
export type DeleteExpectations = ReadonlyMap<string, number>;

export interface DaemonSetDeletePlan {
  /** Old-revision pods to delete now, in order. */
  deletes: Pod[];
  /** The expectations to keep (observed ones dropped). */
  expectations: Map<string, number>;
  requeueAfterMs?: number;
  /** What the pass found, for logs. */
  message: string;
  /** A malformed annotation: report it, do nothing. */
  error?: string;
}

/** Upstream GetMaxUnavailable: rollingUpdate.maxUnavailable of the desired pods, rounded down; ≤0 or unset ⇒ 1. */
export function maxUnavailableOf(ds: DaemonSet): number {
  const value = ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable;
  if (value === undefined) return 1;
  const scaled = scaledValue(value, ds.status?.desiredNumberScheduled ?? 0, false);
  return scaled > 0 ? scaled : 1;
}

function deletionCost(pod: Pod): number {
  const raw = pod.metadata.annotations?.[podDeletionCostAnnotation];
  if (raw === undefined || !/^[+-]?\d+$/.test(raw.trim())) return 0;
  const cost = Number(raw.trim());
  return cost >= -(2 ** 31) && cost < 2 ** 31 ? cost : 0;
}

/** Upstream SortPodsForDeletion: Pending, then not Ready, then cheaper, then newer first. */
export function deletionOrder(pods: Pod[]): Pod[] {
  const rank = (p: Pod) => [p.status?.phase === "Pending" ? 0 : 1, isReady(p) ? 1 : 0, deletionCost(p)];
  const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? "") || 0;
  return [...pods].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (ra[i] ?? 0) - (rb[i] ?? 0);
    return created(b) - created(a);
  });
}

/**
 * The pass for one DaemonSet. `pods` are those its selector matches (only the owned, not completed
 * ones count); `expectations` what earlier passes deleted; `currentRevision` the hash of its
 * newest ControllerRevision, the revision its controller creates pods on.
 */
export function planDaemonSetDeletes(
  ds: DaemonSet,
  pods: Pod[],
  expectations: DeleteExpectations,
  nowMs: number,
  currentRevision: string,
): DaemonSetDeletePlan {
  const { partition, batchRevision } = parseAdvancedControl(ds.metadata.annotations);
  if (!partition) return { deletes: [], expectations: new Map(), message: "no batch in progress" };
  // The DaemonSet controller recreates a deleted pod on its current revision: deleting for any
  // other batch revision only churns pods (a release restarting on a newer template, until the
  // annotation catches up).
  if (batchRevision !== currentRevision) {
    return {
      deletes: [],
      expectations: new Map(),
      message: `batch revision ${batchRevision} is not the DaemonSet's current revision ${currentRevision}`,
    };
  }
  const owned = ownedPods(ds, pods).filter((p) => !isCompleted(p));

  // A deletion is observed once its pod is gone or terminating.
  const alive = new Set(owned.filter((p) => !isTerminating(p)).map((p) => p.metadata.uid ?? ""));
  const pending = new Map([...expectations].filter(([uid]) => alive.has(uid)));
  const oldest = Math.min(...pending.values());
  if (pending.size > 0 && nowMs - oldest < expectationTimeoutMs) {
    return {
      deletes: [],
      expectations: pending,
      requeueAfterMs: retryMs,
      message: `waiting to observe ${pending.size} pod deletions`,
    };
  }

  const kept = /^[+-]?\d+/.exec(partition.trim());
  if (!kept) {
    return {
      deletes: [],
      expectations: new Map(),
      message: "malformed partition",
      error: `annotation rollouts.kruise.io/daemonset-advanced-control: invalid partition ${JSON.stringify(partition)}`,
    };
  }
  const desiredUpdated = Math.max(owned.length - Number(kept[0]), 0);
  const updated = owned.filter((p) => runsRevision(p.metadata.labels, batchRevision));
  if (updated.length >= desiredUpdated) {
    return {
      deletes: [],
      expectations: new Map(),
      message: `batch done: ${updated.length} of ${desiredUpdated} pods updated`,
    };
  }

  // Updated pods that are not Ready already use up the unavailability budget, and so do old
  // pods on their way out; an old pod that is not Ready costs nothing more to delete. A
  // terminating old pod also stands for the updated pod that replaces it (upstream counts it
  // only as unavailable, and can delete one pod too many).
  const maxUnavailable = maxUnavailableOf(ds);
  let unavailable = updated.filter((p) => !isReady(p)).length;
  let needed = desiredUpdated - updated.length;
  const deletes: Pod[] = [];
  for (const pod of deletionOrder(owned.filter((p) => !runsRevision(p.metadata.labels, batchRevision)))) {
    if (needed <= 0) break;
    if (isTerminating(pod)) {
      unavailable++;
      needed--;
      continue;
    }
    if (isReady(pod)) {
      if (unavailable >= maxUnavailable) break;
      unavailable++;
    }
    deletes.push(pod);
    needed--;
  }
  return {
    deletes,
    expectations: new Map(deletes.map((p) => [p.metadata.uid ?? "", nowMs])),
    message: `${updated.length} of ${desiredUpdated} pods updated; deleting ${deletes.length} (maxUnavailable ${maxUnavailable})`,
  };
}
