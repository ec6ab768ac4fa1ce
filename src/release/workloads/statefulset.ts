// StatefulSet-like workloads: native apps/v1 StatefulSet and Advanced StatefulSet
// (apps.kruise.io v1beta1/v1alpha1). Mirrors upstream's `getStatefulSetLikeWorkload` and the
// StatefulSet control's workload info.

import { controllerRevisionHashLabel, inProgressingAnnotation } from "../keys.js";
import type { Pod, StatefulSet } from "../model.js";
import { controllerOf, isReady, isTerminating, runsRevision } from "../pods.js";
import type { WorkloadState, WorkloadStatus } from "./workload-state.js";

export function isStatefulSetKind(ref: { apiVersion: string; kind: string }): boolean {
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : "";
  return ref.kind === "StatefulSet" && (group === "apps" || group === "apps.kruise.io");
}

/** Advanced StatefulSets may update pods out of ordinal order. */
export function isUnorderedUpdate(set: StatefulSet): boolean {
  const rollingUpdate = set.spec.updateStrategy?.rollingUpdate;
  return set.apiVersion?.startsWith("apps.kruise.io/") === true && rollingUpdate?.unorderedUpdate != null;
}

export function statefulSetPartitionOf(set: StatefulSet): number {
  return set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
}

/** @param pods pods selected by the set; only those it controls count. */
export function statefulSetState(set: StatefulSet, pods: Pod[]): WorkloadState {
  const s = set.status ?? {};
  const updateRevision = s.updateRevision ?? "";
  const status: WorkloadStatus = {
    replicas: s.replicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    // Native StatefulSets have no updatedReadyReplicas; count the updated ready pods instead.
    updatedReadyReplicas:
      (s.updatedReadyReplicas ?? 0) > 0
        ? (s.updatedReadyReplicas ?? 0)
        : updatedReadyPods(set, pods, updateRevision),
    observedGeneration: s.observedGeneration ?? 0,
    updateRevision,
    stableRevision: s.currentRevision ?? "",
  };
  const annotations = set.metadata.annotations ?? {};
  const inRolloutProgressing = inProgressingAnnotation in annotations;
  const generation = set.metadata.generation ?? 0;
  return {
    target: {
      apiVersion: set.apiVersion ?? "apps/v1",
      kind: set.kind ?? "StatefulSet",
      ...(set.metadata.namespace === undefined ? {} : { namespace: set.metadata.namespace }),
      name: set.metadata.name ?? "",
    },
    uid: set.metadata.uid ?? "",
    ...(set.metadata.resourceVersion === undefined ? {} : { resourceVersion: set.metadata.resourceVersion }),
    generation,
    labels: set.metadata.labels ?? {},
    annotations,
    replicas: set.spec.replicas ?? 1,
    status,
    revisions: {
      consistent: status.observedGeneration === generation,
      stableRevision: status.stableRevision,
      canaryRevision: updateRevision,
      podTemplateHash: updateRevision,
      revisionLabelKey: controllerRevisionHashLabel,
      inRolloutProgressing,
      isInRollback:
        inRolloutProgressing &&
        updateRevision === status.stableRevision &&
        status.updatedReplicas !== status.replicas,
    },
  };
}

/** Pods controlled by `set` (upstream lists by selector, then checks ownership). */
export function ownedPods(owner: { metadata: { uid?: string } }, pods: Pod[]): Pod[] {
  return pods.filter((p) => owner.metadata.uid !== undefined && controllerOf(p)?.uid === owner.metadata.uid);
}

function updatedReadyPods(set: StatefulSet, pods: Pod[], revision: string): number {
  return ownedPods(set, pods).filter(
    (p) => !isTerminating(p) && runsRevision(p.metadata.labels, revision) && isReady(p),
  ).length;
}
