import { z } from "zod";
import { HeaderMatchesV1alpha1, HTTPHeaderFilter } from "./gateway.js";
import { IntOrString } from "./int-or-string.js";
import {
  int32,
  int64,
  ObjectMeta,
  ObjectRef,
  PatchPodTemplateMetadata,
  RolloutCondition,
  timestamp,
} from "./meta.js";
import { TrafficRoutingRef } from "./traffic-routing-ref.js";

// Rollout rollouts.kruise.io/v1alpha1 (upstream api/v1alpha1/rollout_types.go). KubeVela and the
// tutorials still write this version; it is converted to v1beta1 for storage.

export const HttpRouteMatchV1alpha1 = z.object({ headers: HeaderMatchesV1alpha1.optional() });

/** Weight / header rules of one step; TrafficRouting v1alpha1 embeds the same shape as its strategy. */
export const TrafficRoutingStrategyV1alpha1 = z.object({
  /** Percent of traffic to the canary. */
  weight: int32().optional(),
  requestHeaderModifier: HTTPHeaderFilter.optional(),
  matches: z.array(HttpRouteMatchV1alpha1).optional(),
});

export const CanaryStepV1alpha1 = z.object({
  ...TrafficRoutingStrategyV1alpha1.shape,
  /** Optional here: when absent, `weight` is used as the replicas percentage. */
  replicas: IntOrString.optional(),
  pause: z.object({ duration: int32().optional() }).optional(),
});
export type CanaryStepV1alpha1 = z.infer<typeof CanaryStepV1alpha1>;
export type CanaryStepV1alpha1Input = z.input<typeof CanaryStepV1alpha1>;

export const CanaryStrategyV1alpha1 = z.object({
  steps: z.array(CanaryStepV1alpha1).optional(),
  trafficRoutings: z.array(TrafficRoutingRef).optional(),
  failureThreshold: IntOrString.optional(),
  patchPodTemplateMetadata: PatchPodTemplateMetadata.optional(),
  disableGenerateCanaryService: z.boolean().optional(),
});
export type CanaryStrategyV1alpha1 = z.infer<typeof CanaryStrategyV1alpha1>;

export const RolloutSpecV1alpha1 = z.object({
  objectRef: z.object({ workloadRef: ObjectRef.optional() }),
  strategy: z.object({
    paused: z.boolean().optional(),
    canary: CanaryStrategyV1alpha1.optional(),
  }),
  /** Deprecated upstream and without a v1beta1 counterpart (kept through conversion in an annotation). */
  rolloutID: z.string().optional(),
  disabled: z.boolean().default(false),
});
export type RolloutSpecV1alpha1 = z.infer<typeof RolloutSpecV1alpha1>;

export const CanaryStatusV1alpha1 = z.object({
  observedWorkloadGeneration: int64().optional(),
  observedRolloutID: z.string().optional(),
  rolloutHash: z.string().optional(),
  stableRevision: z.string().optional(),
  canaryRevision: z.string(),
  podTemplateHash: z.string(),
  canaryReplicas: int32(),
  canaryReadyReplicas: int32(),
  // Required upstream, but optional here on purpose: `vela workflow resume` writes this status
  // through openkruise/rollouts v0.3.0 types, which do not have these two fields.
  nextStepIndex: int32().optional(),
  finalisingStep: z.string().optional(),
  currentStepIndex: int32().optional(),
  currentStepState: z.string(),
  message: z.string().optional(),
  lastUpdateTime: timestamp().optional(),
});
export type CanaryStatusV1alpha1 = z.infer<typeof CanaryStatusV1alpha1>;

export const RolloutStatusV1alpha1 = z.object({
  observedGeneration: int64().optional(),
  canaryStatus: CanaryStatusV1alpha1.optional(),
  conditions: z.array(RolloutCondition).optional(),
  phase: z.string().optional(),
  message: z.string().optional(),
});
export type RolloutStatusV1alpha1 = z.infer<typeof RolloutStatusV1alpha1>;

export const RolloutV1alpha1 = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.optional(),
  spec: RolloutSpecV1alpha1.optional(),
  status: RolloutStatusV1alpha1.optional(),
});
export type RolloutV1alpha1 = z.infer<typeof RolloutV1alpha1>;
export type RolloutV1alpha1Input = z.input<typeof RolloutV1alpha1>;
