// The workload events every partition-style control reports (upstream partitionstyle
// SyncWorkloadInformation): the order of the checks decides which event wins.

import type { BatchRelease, BatchReleaseStatus } from "../model.js";
import {
  isPromoted,
  isRevisionChanged,
  isRollback,
  isScaling,
  isStable,
  type WorkloadState,
} from "../workloads/workload-state.js";
import type { WorkloadSync } from "./control.js";

export function partitionSync(
  release: BatchRelease,
  workload: WorkloadState | undefined,
  status: BatchReleaseStatus,
): WorkloadSync {
  if (release.metadata.deletionTimestamp) return { event: "normal" };
  if (!workload) return { event: "gone" };
  const info = {
    replicas: workload.replicas,
    updatedReplicas: workload.status.updatedReplicas,
    updatedReadyReplicas: workload.status.updatedReadyReplicas,
    updateRevision: workload.status.updateRevision,
    stableRevision: workload.status.stableRevision,
  };
  if (!isStable(workload)) return { event: "reconciling", ...info };
  if (isPromoted(workload)) return { event: "normal", ...info };
  if (isScaling(workload, status.observedWorkloadReplicas ?? -1))
    return { event: "replicasChanged", ...info };
  if (isRollback(workload, status.stableRevision ?? "", status.updateRevision ?? ""))
    return { event: "rollbackInBatch", ...info };
  if (isRevisionChanged(workload, status.updateRevision ?? "")) return { event: "templateChanged", ...info };
  return { event: "normal", ...info };
}
