// Batch labels on pods (spec §2.8, upstream labelpatch/patcher.go): updated pods of batch N get
// rollout-id = <rolloutID> and rollout-batch-id = "N" (1-based). We also write the seed's legacy
// `apps.kruise.io/*` pair unless asked not to.

import { type PatchAction, patch } from "./actions.js";
import { batchReplicas } from "./batches.js";
import {
  controllerRevisionHashLabel,
  legacyRolloutBatchIdLabel,
  legacyRolloutIdLabel,
  rolloutBatchIdLabel,
  rolloutIdLabel,
} from "./keys.js";
import type { Pod, ReleasePlan } from "./model.js";
import { controllerOf, isTerminating, runsRevision } from "./pods.js";

export interface BatchLabelInput {
  plan: ReleasePlan;
  /** Workload replicas the batch sizes resolve against. */
  replicas: number;
  currentBatch: number;
  rolloutID: string;
  updateRevision: string;
  pods: Pod[];
  /**
   * controller-revision-hash to give pods of each ReplicaSet (by ReplicaSet name) that lack one.
   * Deployment pods only carry Kubernetes' pod-template-hash, which our template hash cannot
   * reproduce (spec §4.10), so this is how they are matched against the update revision.
   */
  replicaSetRevisions?: Record<string, string>;
  /** Also write apps.kruise.io/rollout-id and apps.kruise.io/rollout-batch-id. Default true. */
  legacyLabels?: boolean;
}

/** Per-batch pod increments up to the current batch, 0 above it. */
export function plannedBatchIncrements(plan: ReleasePlan, replicas: number, currentBatch: number): number[] {
  const sizes = plan.batches.map((_, i) => (i <= currentBatch ? batchReplicas(plan, replicas, i) : 0));
  return sizes.map((size, i) => (i > 0 && i <= currentBatch ? size - (sizes[i - 1] ?? 0) : size));
}

export function batchLabelPatches(input: BatchLabelInput): PatchAction[] {
  if (!input.rolloutID || input.pods.length === 0) return [];
  const legacy = input.legacyLabels ?? true;
  const remaining = plannedBatchIncrements(input.plan, input.replicas, input.currentBatch);
  const unlabelled: Pod[] = [];
  const labels = new Map<Pod, Record<string, string>>();
  const revisionLabel = new Map<Pod, string>();

  for (const pod of input.pods) {
    if (isTerminating(pod)) continue;
    const podLabels = { ...(pod.metadata.labels ?? {}) };
    const owner = controllerOf(pod);
    const rsRevision = owner?.kind === "ReplicaSet" ? input.replicaSetRevisions?.[owner.name] : undefined;
    if (!podLabels[controllerRevisionHashLabel] && rsRevision) {
      podLabels[controllerRevisionHashLabel] = rsRevision;
      revisionLabel.set(pod, rsRevision);
    }
    // Old-revision pods keep whatever labels they have: they are not part of this release.
    if (!runsRevision(podLabels, input.updateRevision)) continue;
    const batchId = Number(podLabels[rolloutBatchIdLabel]);
    if (
      podLabels[rolloutIdLabel] === input.rolloutID &&
      Number.isInteger(batchId) &&
      batchId >= 1 &&
      batchId <= remaining.length
    ) {
      remaining[batchId - 1] = (remaining[batchId - 1] ?? 0) - 1;
      labels.set(pod, legacy ? legacyPair(podLabels, input.rolloutID, batchId) : {});
    } else {
      unlabelled.push(pod);
    }
  }

  // Fill the highest batch first, taking pods from the end of the list (upstream order).
  for (let i = remaining.length - 1; i >= 0; i--) {
    for (; (remaining[i] ?? 0) > 0 && unlabelled.length > 0; remaining[i] = (remaining[i] ?? 0) - 1) {
      const pod = unlabelled.pop() as Pod;
      labels.set(pod, batchPair(input.rolloutID, i + 1, legacy));
    }
  }

  const actions: PatchAction[] = [];
  for (const pod of input.pods) {
    const wanted = { ...(labels.get(pod) ?? {}) };
    const revision = revisionLabel.get(pod);
    if (revision) wanted[controllerRevisionHashLabel] = revision;
    if (Object.keys(wanted).length > 0) actions.push(podLabelPatch(pod, wanted));
  }
  return actions;
}

function batchPair(rolloutID: string, batchId: number, legacy: boolean): Record<string, string> {
  const pair = { [rolloutIdLabel]: rolloutID, [rolloutBatchIdLabel]: String(batchId) };
  return legacy
    ? { ...pair, [legacyRolloutIdLabel]: rolloutID, [legacyRolloutBatchIdLabel]: String(batchId) }
    : pair;
}

/** A pod labelled by upstream (or before the legacy pair was enabled) only needs the legacy pair added. */
function legacyPair(
  current: Record<string, string>,
  rolloutID: string,
  batchId: number,
): Record<string, string> {
  if (current[legacyRolloutIdLabel] === rolloutID && current[legacyRolloutBatchIdLabel] === String(batchId))
    return {};
  return { [legacyRolloutIdLabel]: rolloutID, [legacyRolloutBatchIdLabel]: String(batchId) };
}

function podLabelPatch(pod: Pod, labels: Record<string, string>): PatchAction {
  return patch(
    {
      apiVersion: "v1",
      kind: "Pod",
      ...(pod.metadata.namespace === undefined ? {} : { namespace: pod.metadata.namespace }),
      name: pod.metadata.name ?? "",
    },
    "strategic",
    { metadata: { labels } },
  );
}
