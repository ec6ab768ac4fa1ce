// BatchRelease status transitions used by the planner (upstream batchrelease_status.go and the
// condition helpers of batchrelease_executor.go).

import type { BatchRelease, BatchReleaseStatus, Condition } from "./model.js";
import { releasePlanHash } from "./plan-hash.js";
import { canonicalJson } from "./template-hash.js";

export const initialStatus = (): BatchReleaseStatus => ({
  phase: "Preparing",
  stableRevision: "",
  updateRevision: "",
  observedReleasePlanHash: "",
  observedWorkloadReplicas: -1,
  canaryStatus: { currentBatch: 0 },
});

/** The persisted status, with an empty phase reset as upstream's getInitializedStatus does. */
export function startingStatus(release: BatchRelease): BatchReleaseStatus {
  const current = structuredClone(release.status ?? { canaryStatus: { currentBatch: 0 } });
  current.canaryStatus ??= { currentBatch: 0 };
  if (!current.phase) return { ...current, ...initialStatus() };
  return current;
}

/** Equal as Go's DeepEqual sees the JSON round-trip: absent, null and "" are all the same. */
export function sameStatus(a: BatchReleaseStatus | undefined, b: BatchReleaseStatus | undefined): boolean {
  return canonicalJson(dropEmptyStrings(a ?? {})) === canonicalJson(dropEmptyStrings(b ?? {}));
}

function dropEmptyStrings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmptyStrings);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== "")
        .map(([k, v]) => [k, dropEmptyStrings(v)]),
    );
  }
  return value;
}

/** A changed release plan: jump to the allowed batch, or back to 0 for a new rollout-id. */
export function recalculate(release: BatchRelease, status: BatchReleaseStatus): void {
  const plan = release.spec.releasePlan;
  const observedRolloutID = release.status?.observedRolloutID ?? "";
  let currentBatch = 0;
  if (
    plan.batchPartition !== undefined &&
    plan.batchPartition !== null &&
    (plan.rolloutID ?? "") === observedRolloutID
  ) {
    currentBatch = Math.min(plan.batchPartition, plan.batches.length - 1);
  }
  status.canaryStatus.batchReadyTime = null;
  status.canaryStatus.currentBatch = currentBatch;
  status.canaryStatus.batchState = "Upgrading";
  status.observedRolloutID = plan.rolloutID ?? "";
  status.observedReleasePlanHash = releasePlanHash(plan);
}

export function restartBatch(status: BatchReleaseStatus): void {
  status.canaryStatus.batchReadyTime = null;
  status.canaryStatus.batchState = "Upgrading";
}

export function setProgressingCondition(
  status: BatchReleaseStatus,
  reason: string,
  message: string,
  now: Date,
): void {
  const conditions = status.conditions ?? [];
  const existing = conditions.find((c) => c.type === "Progressing");
  const at = now.toISOString();
  const next: Condition = {
    type: "Progressing",
    status: "True",
    reason,
    message: message || existing?.message || "",
    lastUpdateTime: at,
    lastTransitionTime: existing?.status === "True" ? (existing.lastTransitionTime ?? at) : at,
  };
  if (
    existing &&
    existing.status === next.status &&
    existing.reason === next.reason &&
    existing.message === next.message
  ) {
    status.message = existing.message ?? "";
    return;
  }
  status.conditions = [...conditions.filter((c) => c.type !== "Progressing"), next];
  status.message = next.message ?? "";
}

export function removeProgressingCondition(status: BatchReleaseStatus): void {
  const remaining = (status.conditions ?? []).filter((c) => c.type !== "Progressing");
  if (status.conditions) status.conditions = remaining;
  status.message = "";
}
