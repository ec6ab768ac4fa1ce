// Deployment released in partition style (old and new ReplicaSets managed in place). Mirrors
// upstream's `getAdvancedDeployment` finder and the partition control's workload info.

import {
  deploymentExtraStatusAnnotation,
  inProgressingAnnotation,
  podTemplateHashLabel,
  stableRevisionLabel,
} from "../keys.js";
import type { Deployment, ReplicaSet } from "../model.js";
import { sameTemplateIgnoringHash } from "../template-hash.js";
import { baseState, deploymentStatus } from "./deployment.js";
import { byRevision, ownedReplicaSets } from "./replica-sets.js";
import type { WorkloadState } from "./workload-state.js";

/** The ReplicaSet whose template is the Deployment's (the newest such, by revision). */
export function newReplicaSet(d: Deployment, replicaSets: ReplicaSet[]): ReplicaSet | undefined {
  return ownedReplicaSets(d, replicaSets)
    .sort(byRevision)
    .filter((rs) => sameTemplateIgnoringHash(rs.spec.template, d.spec.template))
    .at(-1);
}

/** `{"updatedReadyReplicas":n,"expectedUpdatedReplicas":m}`, written by the ReplicaSet planner. */
export function extraStatus(d: Deployment): {
  updatedReadyReplicas: number;
  expectedUpdatedReplicas: number;
} {
  try {
    const parsed = JSON.parse(d.metadata.annotations?.[deploymentExtraStatusAnnotation] ?? "{}");
    return {
      updatedReadyReplicas: Number(parsed.updatedReadyReplicas ?? 0) || 0,
      expectedUpdatedReplicas: Number(parsed.expectedUpdatedReplicas ?? 0) || 0,
    };
  } catch {
    return { updatedReadyReplicas: 0, expectedUpdatedReplicas: 0 };
  }
}

export function partitionDeploymentState(d: Deployment, replicaSets: ReplicaSet[]): WorkloadState {
  const stableRevision = d.metadata.labels?.[stableRevisionLabel] ?? "";
  const status = {
    ...deploymentStatus(d),
    updatedReadyReplicas: extraStatus(d).updatedReadyReplicas,
    stableRevision,
  };
  const base = baseState(d, status);
  const inRolloutProgressing = inProgressingAnnotation in base.annotations;
  const podTemplateHash = inRolloutProgressing
    ? (newReplicaSet(d, replicaSets)?.metadata.labels?.[podTemplateHashLabel] ?? "")
    : "";
  return {
    ...base,
    revisions: {
      consistent: status.observedGeneration === base.generation,
      stableRevision,
      canaryRevision: status.updateRevision,
      podTemplateHash,
      revisionLabelKey: podTemplateHashLabel,
      inRolloutProgressing,
      isInRollback: inRolloutProgressing && stableRevision !== "" && stableRevision === podTemplateHash,
    },
  };
}
