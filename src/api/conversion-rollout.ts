import { scaledValue } from "./int-or-string.js";
import type { ObjectMeta, ObjectRef } from "./meta.js";
import type { CanaryStepV1alpha1Input, RolloutV1alpha1Input } from "./rollout-v1alpha1.js";
import type { CanaryStepInput, RolloutV1beta1Input } from "./rollout-v1beta1.js";
import { Annotations } from "./well-known.js";

// The Rollout conversion rules of upstream api/v1alpha1/conversion.go (spec §1.4), field by field.
// They are lossy by design; conversion.ts wraps them to keep what they drop. Deliberate differences:
// `disableGenerateCanaryService` is carried over (upstream forgets it), a missing v1alpha1 object
// part yields a missing v1beta1 part instead of a nil dereference, and v1beta1's top-level
// currentStepIndex/currentStepState are filled from canaryStatus so both versions print the same.

export const ROLLOUT_V1ALPHA1 = "rollouts.kruise.io/v1alpha1";
export const ROLLOUT_V1BETA1 = "rollouts.kruise.io/v1beta1";

const clone = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

function withAnnotations(
  metadata: ObjectMeta | undefined,
  set: Record<string, string>,
): ObjectMeta | undefined {
  if (Object.keys(set).length === 0) return clone(metadata);
  return { ...clone(metadata), annotations: { ...metadata?.annotations, ...set } };
}

const percentOf = (weight: number | undefined) => (weight === undefined ? undefined : `${weight}%`);

function stepToV1beta1(step: CanaryStepV1alpha1Input): CanaryStepInput {
  return {
    traffic: percentOf(step.weight),
    requestHeaderModifier: clone(step.requestHeaderModifier),
    matches: step.matches?.map((m) => ({ headers: clone(m.headers) })),
    // v1alpha1 lets `weight` stand in for missing replicas.
    replicas: step.replicas ?? percentOf(step.weight),
    pause: clone(step.pause),
  };
}

function stepToV1alpha1(step: CanaryStepInput): CanaryStepV1alpha1Input {
  return {
    // Unparsable traffic becomes 0, as Go ignores the parse error.
    weight: step.traffic === undefined ? undefined : (scaledValue(step.traffic, 100, true) ?? 0),
    requestHeaderModifier: clone(step.requestHeaderModifier),
    matches: step.matches?.map((m) => ({ headers: clone(m.headers) })),
    replicas: step.replicas,
    pause: clone(step.pause),
  };
}

export function rolloutToV1beta1(src: RolloutV1alpha1Input): RolloutV1beta1Input {
  const annotations = src.metadata?.annotations ?? {};
  const canary = src.spec?.strategy.canary;
  const canaryStatus = src.status?.canaryStatus;
  const style = annotations[Annotations.rollingStyle] ?? "";
  return {
    apiVersion: ROLLOUT_V1BETA1,
    kind: "Rollout",
    metadata: clone(src.metadata),
    spec: src.spec && {
      // A missing workloadRef stays missing rather than becoming an empty reference.
      workloadRef: clone(src.spec.objectRef.workloadRef) as ObjectRef,
      disabled: src.spec.disabled,
      strategy: {
        paused: src.spec.strategy.paused,
        canary: canary && {
          steps: canary.steps?.map(stepToV1beta1),
          trafficRoutings: clone(canary.trafficRoutings),
          failureThreshold: canary.failureThreshold,
          patchPodTemplateMetadata: clone(canary.patchPodTemplateMetadata),
          enableExtraWorkloadForCanary: style.toLowerCase() === "partition" ? undefined : true,
          trafficRoutingRef: annotations[Annotations.trafficRouting] || undefined,
          disableGenerateCanaryService: canary.disableGenerateCanaryService,
        },
      },
    },
    status: src.status && {
      observedGeneration: src.status.observedGeneration,
      phase: src.status.phase,
      message: src.status.message,
      conditions: clone(src.status.conditions),
      canaryStatus: canaryStatus && {
        ...clone(canaryStatus),
        // Old clients (KubeVela's v0.3.0 types) drop these two; v1beta1 requires them. The values are
        // what the controller would hold mid-step; it corrects them on its next reconcile.
        nextStepIndex: canaryStatus.nextStepIndex ?? (canaryStatus.currentStepIndex ?? 0) + 1,
        finalisingStep: canaryStatus.finalisingStep ?? "",
      },
      currentStepIndex: canaryStatus?.currentStepIndex ?? 0,
      currentStepState: canaryStatus?.currentStepState ?? "",
    },
  };
}

export function rolloutToV1alpha1(src: RolloutV1beta1Input): RolloutV1alpha1Input {
  const canary = src.spec?.strategy.canary;
  // v1alpha1 has no blue-green: like upstream, only the metadata is carried.
  if (!src.spec || !canary || src.spec.strategy.blueGreen) {
    return { apiVersion: ROLLOUT_V1ALPHA1, kind: "Rollout", metadata: clone(src.metadata) };
  }
  const set: Record<string, string> = {
    [Annotations.rollingStyle]: canary.enableExtraWorkloadForCanary ? "canary" : "partition",
  };
  if (canary.trafficRoutingRef) set[Annotations.trafficRouting] = canary.trafficRoutingRef;
  const canaryStatus = src.status?.canaryStatus;
  return {
    apiVersion: ROLLOUT_V1ALPHA1,
    kind: "Rollout",
    metadata: withAnnotations(src.metadata, set),
    spec: {
      objectRef: { workloadRef: clone(src.spec.workloadRef) },
      disabled: src.spec.disabled,
      strategy: {
        paused: src.spec.strategy.paused,
        canary: {
          steps: canary.steps?.map(stepToV1alpha1),
          trafficRoutings: clone(canary.trafficRoutings),
          failureThreshold: canary.failureThreshold,
          patchPodTemplateMetadata: clone(canary.patchPodTemplateMetadata),
          disableGenerateCanaryService: canary.disableGenerateCanaryService,
        },
      },
    },
    status: src.status && {
      observedGeneration: src.status.observedGeneration,
      phase: src.status.phase,
      message: src.status.message,
      conditions: clone(src.status.conditions),
      canaryStatus: clone(canaryStatus),
    },
  };
}
