// Deployment released in canary style (an extra canary Deployment). Mirrors upstream's
// controller finder `getDeployment` for the revisions and ParseWorkload for the status.

import { canaryDeploymentLabel, inProgressingAnnotation, podTemplateHashLabel } from "../keys.js";
import type { Deployment, ReplicaSet } from "../model.js";
import { isTerminating } from "../pods.js";
import { sameTemplateIgnoringHash, templateHash } from "../template-hash.js";
import { activeReplicaSets, byCreation } from "./replica-sets.js";
import type { WorkloadState, WorkloadStatus } from "./workload-state.js";

export const deploymentTypeMeta = { apiVersion: "apps/v1", kind: "Deployment" } as const;

/** Status of any Deployment as the BatchRelease reads it; the update revision is our template hash. */
export function deploymentStatus(d: Deployment): WorkloadStatus {
  const s = d.status ?? {};
  return {
    replicas: s.replicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    // Deployments have no such field; controls that need it fill it in.
    updatedReadyReplicas: 0,
    observedGeneration: s.observedGeneration ?? 0,
    updateRevision: templateHash(d.spec.template),
    // Deployments have no stable revision in the parsed status (spec §4.4).
    stableRevision: "",
  };
}

/** The oldest owned ReplicaSet that still wants pods: what the stable pods run. */
export function stableReplicaSet(d: Deployment, replicaSets: ReplicaSet[]): ReplicaSet | undefined {
  return activeReplicaSets(d, replicaSets).sort(byCreation)[0];
}

/** The newest canary Deployment of `stable` that is not being deleted. */
export function latestCanaryDeployment(
  stable: Deployment,
  deployments: Deployment[],
): Deployment | undefined {
  const name = stable.metadata.name;
  return deployments
    .filter(
      (d) =>
        d.metadata.labels?.[canaryDeploymentLabel] === name &&
        d.metadata.namespace === stable.metadata.namespace,
    )
    .sort((a, b) => byCreation(b, a))
    .find((d) => !isTerminating(d));
}

export function baseState(d: Deployment, status: WorkloadStatus): Omit<WorkloadState, "revisions"> {
  return {
    target: {
      ...deploymentTypeMeta,
      ...(d.metadata.namespace === undefined ? {} : { namespace: d.metadata.namespace }),
      name: d.metadata.name ?? "",
    },
    uid: d.metadata.uid ?? "",
    ...(d.metadata.resourceVersion === undefined ? {} : { resourceVersion: d.metadata.resourceVersion }),
    generation: d.metadata.generation ?? 0,
    labels: d.metadata.labels ?? {},
    annotations: d.metadata.annotations ?? {},
    replicas: d.spec.replicas ?? 1,
    status,
  };
}

/**
 * @param replicaSets ReplicaSets in the namespace (those of the stable and the canary Deployments).
 * @param deployments Deployments in the namespace that may be canaries of `stable`.
 */
export function canaryDeploymentState(
  stable: Deployment,
  replicaSets: ReplicaSet[],
  deployments: Deployment[],
): WorkloadState {
  const base = baseState(stable, deploymentStatus(stable));
  const stableRs = stableReplicaSet(stable, replicaSets);
  const inRolloutProgressing = inProgressingAnnotation in (stable.metadata.annotations ?? {});
  const revisions = {
    consistent: base.status.observedGeneration === base.generation && stableRs !== undefined,
    stableRevision: stableRs?.metadata.labels?.[podTemplateHashLabel] ?? "",
    canaryRevision: base.status.updateRevision,
    podTemplateHash: "",
    revisionLabelKey: podTemplateHashLabel,
    inRolloutProgressing,
    isInRollback: false,
  } as const;
  if (!inRolloutProgressing || !stableRs) return { ...base, revisions };
  if (sameTemplateIgnoringHash(stableRs.spec.template, stable.spec.template)) {
    return { ...base, revisions: { ...revisions, isInRollback: true } };
  }
  const canary = latestCanaryDeployment(stable, deployments);
  const canaryRs = canary ? stableReplicaSet(canary, replicaSets) : undefined;
  return {
    ...base,
    revisions: { ...revisions, podTemplateHash: canaryRs?.metadata.labels?.[podTemplateHashLabel] ?? "" },
  };
}
