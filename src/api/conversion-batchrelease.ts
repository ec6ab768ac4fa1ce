import type { BatchReleaseV1alpha1Input } from "./batchrelease-v1alpha1.js";
import type { BatchReleaseV1beta1Input } from "./batchrelease-v1beta1.js";
import { Annotations } from "./well-known.js";

// The BatchRelease conversion rules of upstream api/v1alpha1/conversion.go: the workload moves
// between `spec.targetReference.workloadRef` and `spec.workloadRef`, and the rolling style between
// the v1alpha1 annotation and v1beta1 `releasePlan.rollingStyle`. Lossy; conversion.ts keeps the rest.

export const BATCHRELEASE_V1ALPHA1 = "rollouts.kruise.io/v1alpha1";
export const BATCHRELEASE_V1BETA1 = "rollouts.kruise.io/v1beta1";

const clone = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

const STYLES = ["Partition", "Canary", "BlueGreen"];

export function batchReleaseToV1beta1(src: BatchReleaseV1alpha1Input): BatchReleaseV1beta1Input {
  const annotated = (src.metadata?.annotations?.[Annotations.rollingStyle] ?? "").toLowerCase();
  const { targetReference, releasePlan } = src.spec ?? {};
  return {
    apiVersion: BATCHRELEASE_V1BETA1,
    kind: "BatchRelease",
    metadata: clone(src.metadata),
    spec: src.spec && {
      workloadRef: clone(targetReference?.workloadRef),
      releasePlan: releasePlan && {
        ...clone(releasePlan),
        // Upstream takes the style from the annotation only.
        rollingStyle: STYLES.find((s) => s.toLowerCase() === annotated),
      },
    },
    status: clone(src.status),
  } as BatchReleaseV1beta1Input;
}

export function batchReleaseToV1alpha1(src: BatchReleaseV1beta1Input): BatchReleaseV1alpha1Input {
  const { message: _onlyInV1beta1, ...status } = src.status ?? {};
  const style = src.spec?.releasePlan?.rollingStyle ?? "";
  return {
    apiVersion: BATCHRELEASE_V1ALPHA1,
    kind: "BatchRelease",
    metadata: {
      ...clone(src.metadata),
      annotations: { ...src.metadata?.annotations, [Annotations.rollingStyle]: style.toLowerCase() },
    },
    spec: src.spec && {
      targetReference: { workloadRef: clone(src.spec.workloadRef) },
      releasePlan: clone(src.spec.releasePlan),
    },
    status: src.status && clone(status),
  } as BatchReleaseV1alpha1Input;
}
