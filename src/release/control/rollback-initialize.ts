// Initialize's bookkeeping shared by the partition controls (StatefulSet-like, CloneSet): record
// the revisions and replicas and, for a rollback in batches, mark the pods already on the target
// revision so the batch arithmetic leaves them alone (spec §2.5).
import { type Action, patch } from "../actions.js";
import { noNeedUpdateLabel, rollbackInBatchAnnotation } from "../keys.js";
import type { BatchRelease, BatchReleaseStatus, Pod } from "../model.js";
import { isTerminating, runsRevision } from "../pods.js";
import type { WorkloadState } from "../workloads/workload-state.js";
import { done, notYet, type StepResult } from "./control.js";

function markNoNeedUpdate(pod: Pod, rolloutID: string): Action {
  return patch(
    { apiVersion: "v1", kind: "Pod", namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "" },
    "strategic",
    { metadata: { labels: { [noNeedUpdateLabel]: rolloutID } } },
  );
}

/** Finishes Initialize after `actions` (the control's own workload patches). */
export function initializeBookkeeping(
  release: BatchRelease,
  workload: WorkloadState,
  status: BatchReleaseStatus,
  pods: Pod[],
  rolloutID: string,
  actions: Action[],
): StepResult {
  const bookkeeping = {
    stableRevision: workload.status.stableRevision,
    updateRevision: workload.status.updateRevision,
    observedWorkloadReplicas: workload.replicas,
  };
  if (!release.metadata.annotations?.[rollbackInBatchAnnotation])
    return done(actions, { status: bookkeeping });
  if (!rolloutID)
    return done(actions, {
      status: { ...bookkeeping, noNeedUpdateReplicas: status.canaryStatus.updatedReplicas ?? 0 },
    });
  const onTarget = pods.filter(
    (p) => !isTerminating(p) && runsRevision(p.metadata.labels, bookkeeping.updateRevision),
  );
  const unmarked = onTarget.filter((p) => p.metadata.labels?.[noNeedUpdateLabel] !== rolloutID);
  if (unmarked.length > 0) {
    actions.push(...unmarked.map((p) => markNoNeedUpdate(p, rolloutID)));
    return notYet(
      `initialization not yet: patch and find ${onTarget.length} pods with no-need-update-label`,
      actions,
    );
  }
  return done(actions, { status: { ...bookkeeping, noNeedUpdateReplicas: onTarget.length } });
}
