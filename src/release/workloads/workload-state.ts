// The normalized view of a workload that every control and the Rollout side read, whatever its
// kind. `status` is upstream's WorkloadInfo (what the BatchRelease compares between passes);
// `revisions` is upstream's controller-finder view (what the Rollout reports and routes by).

import type { ActionTarget } from "../actions.js";

export interface WorkloadStatus {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  updatedReplicas: number;
  updatedReadyReplicas: number;
  observedGeneration: number;
  updateRevision: string;
  stableRevision: string;
}

export interface WorkloadRevisions {
  /** False when the controller has not caught up with the spec, or the stable ReplicaSet is missing. */
  consistent: boolean;
  stableRevision: string;
  canaryRevision: string;
  /** Value of `revisionLabelKey` on new pods; what Services select the canary by. */
  podTemplateHash: string;
  revisionLabelKey: "pod-template-hash" | "controller-revision-hash";
  inRolloutProgressing: boolean;
  isInRollback: boolean;
}

export interface WorkloadState {
  target: ActionTarget;
  uid: string;
  resourceVersion?: string;
  generation: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Desired pods (spec.replicas, defaulting to 1 like the API server). */
  replicas: number;
  status: WorkloadStatus;
  revisions: WorkloadRevisions;
}

/** The controller has seen the latest spec (upstream IsStable). */
export function isStable(w: WorkloadState): boolean {
  return w.status.observedGeneration >= w.generation;
}

/** Every pod runs the update revision (upstream IsPromoted). */
export function isPromoted(w: WorkloadState): boolean {
  return w.status.replicas === w.status.updatedReplicas;
}

/** The replica count changed since the release recorded it; -1 means "not recorded yet". */
export function isScaling(w: WorkloadState, observedReplicas: number): boolean {
  return observedReplicas !== -1 && w.replicas !== observedReplicas;
}

/** Edge-triggered: the template went back to the recorded stable revision and we have not noticed yet. */
export function isRollback(w: WorkloadState, observedStable: string, observedUpdate: string): boolean {
  if (observedUpdate === "") return false;
  return (
    w.status.updateRevision === w.status.stableRevision &&
    observedStable === w.status.updateRevision &&
    observedStable !== observedUpdate
  );
}

export function isRevisionChanged(w: WorkloadState, observedUpdate: string): boolean {
  return observedUpdate !== "" && w.status.updateRevision !== observedUpdate;
}
