// Blue-green releases detach the workload's HorizontalPodAutoscaler for their duration
// (upstream bluegreenstyle/hpa): the workload runs old and new pods side by side, twice its
// replicas, and an HPA acting on that would scale pods the release is about to switch traffic
// to or away from. Upstream renames scaleTargetRef.name to `<name>-DisableByRollout`, which the
// HPA controller cannot resolve, and renames it back once the release is finalized.

import { type Action, patch } from "../actions.js";

/** Suffix upstream gives an HPA's scaleTargetRef.name to detach it during a release. */
export const hpaDisableSuffix = "-DisableByRollout";

/** A HorizontalPodAutoscaler (autoscaling/v2 or v1) as far as blue-green reads it. */
export interface HorizontalPodAutoscaler {
  apiVersion: string;
  kind: "HorizontalPodAutoscaler";
  metadata: { name: string; namespace?: string };
  spec: { scaleTargetRef: { apiVersion?: string; kind: string; name: string } };
}

interface WorkloadRef {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string };
}

function withoutSuffix(name: string): string {
  let out = name;
  while (out.endsWith(hpaDisableSuffix)) out = out.slice(0, -hpaDisableSuffix.length);
  return out;
}

/**
 * The HPA targeting the workload, attached or detached: upstream lists autoscaling/v2 first,
 * then v1, and matches apiVersion, kind and the name without the suffix.
 */
export function hpaOf(
  workload: WorkloadRef,
  defaults: { apiVersion: string; kind: string },
  hpas: HorizontalPodAutoscaler[],
): HorizontalPodAutoscaler | undefined {
  const apiVersion = workload.apiVersion ?? defaults.apiVersion;
  const kind = workload.kind ?? defaults.kind;
  const name = workload.metadata.name ?? "";
  const ordered = [...hpas].sort(
    (a, b) => Number(b.apiVersion === "autoscaling/v2") - Number(a.apiVersion === "autoscaling/v2"),
  );
  return ordered.find(
    (h) =>
      h.spec.scaleTargetRef.apiVersion === apiVersion &&
      h.spec.scaleTargetRef.kind === kind &&
      withoutSuffix(h.spec.scaleTargetRef.name) === name,
  );
}

function retarget(h: HorizontalPodAutoscaler, name: string): Action {
  return patch(
    {
      apiVersion: h.apiVersion,
      kind: "HorizontalPodAutoscaler",
      ...(h.metadata.namespace === undefined ? {} : { namespace: h.metadata.namespace }),
      name: h.metadata.name,
    },
    "merge",
    { spec: { scaleTargetRef: { name } } },
  );
}

/** Upstream DisableHPA: the write that detaches the HPA, if it is attached. */
export function disableHpa(hpa: HorizontalPodAutoscaler | undefined): Action[] {
  if (!hpa) return [];
  const name = hpa.spec.scaleTargetRef.name;
  return name.endsWith(hpaDisableSuffix) ? [] : [retarget(hpa, `${name}${hpaDisableSuffix}`)];
}

/** Upstream RestoreHPA: the write that re-attaches the HPA, if it is detached. */
export function restoreHpa(hpa: HorizontalPodAutoscaler | undefined): Action[] {
  if (!hpa) return [];
  const name = hpa.spec.scaleTargetRef.name;
  return name.endsWith(hpaDisableSuffix) ? [retarget(hpa, withoutSuffix(name))] : [];
}
