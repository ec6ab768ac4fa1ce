// Facts about pods the release side needs: liveness in the release sense, readiness,
// ownership and whether a pod runs a given revision.

import { controllerRevisionHashLabel, podTemplateHashLabel } from "./keys.js";
import type { Meta, OwnerReference, Pod } from "./model.js";

export function isTerminating(obj: { metadata: Meta }): boolean {
  return Boolean(obj.metadata.deletionTimestamp);
}

/** Succeeded and Failed pods are not part of a workload any more (upstream ListOwnedPods). */
export function isCompleted(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

export function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export function controllerOf(obj: { metadata: Meta }): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

/** True when a pod's revision label is a suffix of `revision` (StatefulSet revisions are `<name>-<hash>`). */
export function runsRevision(labels: Record<string, string> | undefined, revision: string): boolean {
  const templateHash = labels?.[podTemplateHashLabel];
  if (templateHash && revision.endsWith(templateHash)) return true;
  const controllerHash = labels?.[controllerRevisionHashLabel];
  return Boolean(controllerHash && revision.endsWith(controllerHash));
}
