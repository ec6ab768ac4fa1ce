// The control-info annotation: the BatchRelease's owner reference, written on the workload so
// that workload events find their release and a second release cannot take the workload over.

import { controlInfoAnnotation } from "../keys.js";
import type { BatchRelease, Meta, OwnerReference } from "../model.js";
import { controllerOf } from "../pods.js";

export const batchReleaseTypeMeta = {
  apiVersion: "rollouts.kruise.io/v1beta1",
  kind: "BatchRelease",
} as const;

export function releaseOwnerReference(release: BatchRelease): OwnerReference {
  return {
    ...batchReleaseTypeMeta,
    name: release.metadata.name,
    uid: release.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The annotation value, byte-for-byte what upstream's json.Marshal(OwnerReference) writes. */
export function controlInfo(release: BatchRelease): string {
  return JSON.stringify(releaseOwnerReference(release));
}

/** Owned by the release, or carrying its control-info (upstream IsControlledByBatchRelease). */
export function isControlledBy(release: BatchRelease, obj: { metadata: Meta }): boolean {
  if (controllerOf(obj)?.uid === release.metadata.uid) return true;
  const info = obj.metadata.annotations?.[controlInfoAnnotation];
  if (!info) return false;
  try {
    return (JSON.parse(info) as { uid?: string }).uid === release.metadata.uid;
  } catch {
    return false;
  }
}
