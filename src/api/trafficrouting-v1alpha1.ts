import { z } from "zod";
import { int64, ObjectMeta } from "./meta.js";
import { TrafficRoutingStrategyV1alpha1 } from "./rollout-v1alpha1.js";
import { TrafficRoutingRef } from "./traffic-routing-ref.js";

// TrafficRouting rollouts.kruise.io/v1alpha1: an "end-to-end" traffic-only canary shared by the
// Rollouts that reference it through the `rollouts.kruise.io/trafficrouting` annotation.

export const TrafficRoutingSpec = z.object({
  objectRef: z.array(TrafficRoutingRef),
  strategy: TrafficRoutingStrategyV1alpha1,
});
export type TrafficRoutingSpec = z.infer<typeof TrafficRoutingSpec>;

export const TrafficRoutingStatus = z.object({
  observedGeneration: int64().optional(),
  /** `Initial`, `Healthy`, `Progressing`, `Finalizing` or `Terminating`. */
  phase: z.string().optional(),
  message: z.string().optional(),
});
export type TrafficRoutingStatus = z.infer<typeof TrafficRoutingStatus>;

export const TrafficRoutingV1alpha1 = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.optional(),
  spec: TrafficRoutingSpec.optional(),
  status: TrafficRoutingStatus.optional(),
});
export type TrafficRoutingV1alpha1 = z.infer<typeof TrafficRoutingV1alpha1>;
