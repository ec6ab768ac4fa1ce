// OpenKruise CloneSet (apps.kruise.io/v1alpha1): the finder view (spec §4.5) and the workload
// status the CloneSet controls compare between passes. Revisions in `status` are the full
// `<name>-<hash>` values the CloneSet reports; the finder view uses the hash suffix, which is
// what pods carry as `pod-template-hash`.

import { inProgressingAnnotation, podTemplateHashLabel } from "../keys.js";
import type { CloneSet } from "../model.js";
import type { WorkloadState, WorkloadStatus } from "./workload-state.js";

export function isCloneSetKind(ref: { apiVersion: string; kind: string }): boolean {
  return ref.kind === "CloneSet" && ref.apiVersion.split("/")[0] === "apps.kruise.io";
}

/** The hash part of a `<name>-<hash>` revision (upstream takes what follows the last `-`). */
export function revisionSuffix(revision: string): string {
  const i = revision.lastIndexOf("-");
  return i < 0 ? revision : revision.slice(i + 1);
}

export function cloneSetState(set: CloneSet): WorkloadState {
  const s = set.status ?? {};
  const status: WorkloadStatus = {
    replicas: s.replicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    updatedReadyReplicas: s.updatedReadyReplicas ?? 0,
    observedGeneration: s.observedGeneration ?? 0,
    updateRevision: s.updateRevision ?? "",
    stableRevision: s.currentRevision ?? "",
  };
  const annotations = set.metadata.annotations ?? {};
  const inRolloutProgressing = inProgressingAnnotation in annotations;
  const generation = set.metadata.generation ?? 0;
  const canaryRevision = revisionSuffix(status.updateRevision);
  return {
    target: {
      apiVersion: set.apiVersion ?? "apps.kruise.io/v1alpha1",
      kind: set.kind ?? "CloneSet",
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
      stableRevision: revisionSuffix(status.stableRevision),
      canaryRevision,
      podTemplateHash: canaryRevision,
      revisionLabelKey: podTemplateHashLabel,
      inRolloutProgressing,
      isInRollback:
        inRolloutProgressing &&
        status.updateRevision === status.stableRevision &&
        status.updatedReplicas !== status.replicas,
    },
  };
}
