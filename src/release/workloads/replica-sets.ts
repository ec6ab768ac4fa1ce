// ReplicaSet bookkeeping for Deployments: which ReplicaSets a Deployment owns and how they sort.

import { deploymentRevisionAnnotation, podTemplateHashLabel } from "../keys.js";
import type { Deployment, PatchPodTemplateMetadata, PodTemplate, ReplicaSet } from "../model.js";
import { controllerOf, isTerminating } from "../pods.js";
import { templateHash } from "../template-hash.js";

/** Live ReplicaSets controlled by `deployment`, including scaled-to-zero ones. */
export function ownedReplicaSets(deployment: Deployment, replicaSets: ReplicaSet[]): ReplicaSet[] {
  const uid = deployment.metadata.uid;
  return replicaSets.filter((rs) => !isTerminating(rs) && uid !== undefined && controllerOf(rs)?.uid === uid);
}

/** Owned ReplicaSets that still want pods (upstream GetReplicaSetsForDeployment). */
export function activeReplicaSets(deployment: Deployment, replicaSets: ReplicaSet[]): ReplicaSet[] {
  return ownedReplicaSets(deployment, replicaSets).filter((rs) => rs.spec.replicas !== 0);
}

export function byCreation(
  a: { metadata: { creationTimestamp?: string; name?: string } },
  b: typeof a,
): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? "";
  const nb = b.metadata.name ?? "";
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** The Deployment revision number of a ReplicaSet; unparsable counts as 0 like upstream. */
export function revisionOf(rs: ReplicaSet): number {
  const value = Number.parseInt(rs.metadata.annotations?.[deploymentRevisionAnnotation] ?? "", 10);
  return Number.isNaN(value) ? 0 : value;
}

/** Oldest revision first; creation time breaks ties. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const diff = revisionOf(a) - revisionOf(b);
  return diff !== 0 ? diff : byCreation(a, b);
}

export function replicasOf(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

/**
 * The controller-revision-hash label for the pods of each ReplicaSet (upstream labelpatch): the
 * hash of the ReplicaSet's template with the keys the Deployment controller or we added put back
 * to the Deployment template's values: pod-template-hash (unless the Deployment template carries
 * one itself) and, for canary Deployments, the patchPodTemplateMetadata keys. Pods of a
 * ReplicaSet whose template is the Deployment's then carry the Deployment's update revision,
 * whoever created the ReplicaSet.
 */
export function replicaSetRevisions(
  replicaSets: ReplicaSet[],
  reference: PodTemplate,
  added: PatchPodTemplateMetadata = {},
): Record<string, string> {
  const ref = reference.metadata ?? {};
  const labelKeys = [
    ...Object.keys(added.labels ?? {}),
    ...(ref.labels?.[podTemplateHashLabel] ? [] : [podTemplateHashLabel]),
  ];
  const annotationKeys = Object.keys(added.annotations ?? {});
  return Object.fromEntries(
    replicaSets.map((rs) => {
      const meta = rs.spec.template.metadata ?? {};
      const labels = restore(meta.labels, ref.labels, labelKeys);
      const annotations = restore(meta.annotations, ref.annotations, annotationKeys);
      return [
        rs.metadata.name ?? "",
        templateHash({ ...rs.spec.template, metadata: { ...meta, labels, annotations } }),
      ];
    }),
  );
}

function restore(
  current: Record<string, string> | undefined,
  original: Record<string, string> | undefined,
  keys: string[],
): Record<string, string> {
  const out = { ...(current ?? {}) };
  for (const k of keys) {
    const value = original?.[k];
    if (value === undefined) delete out[k];
    else out[k] = value;
  }
  return out;
}
