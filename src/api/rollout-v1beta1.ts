import { z } from "zod";
import { AnalysisStatus, BackgroundAnalysis, progressFields, StepAnalysis } from "./analysis-rollout.js";
import { celMeta, stepRules, strategyRules, subStrategyRules } from "./cel.js";
import { HeaderMatchesV1beta1, HTTPHeaderFilter, HTTPPathMatch, QueryParamMatches } from "./gateway.js";
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
import { TrafficRoutingRefWithRules } from "./traffic-routing-ref.js";

// Rollout rollouts.kruise.io/v1beta1, the storage (hub) version (upstream api/v1beta1/rollout_types.go).

export const HttpRouteMatch = z.object({
  path: HTTPPathMatch.optional(),
  headers: HeaderMatchesV1beta1.optional(),
  queryParams: QueryParamMatches.optional(),
});
export type HttpRouteMatch = z.infer<typeof HttpRouteMatch>;

// The CEL rules match percentages with a regular expression; the apiserver only accepts that when
// the string has a bound. No valid percentage comes near it.
const PERCENT_MAX_LENGTH = 64;
const percentText = () => z.string().max(PERCENT_MAX_LENGTH);

// Canary and blue-green steps share one shape; they differ only in the traffic range they accept.
function canaryStep(style: "canary" | "blueGreen") {
  return z
    .object({
      /** Percentage of traffic for the new revision, e.g. "5%". */
      traffic: percentText().optional(),
      requestHeaderModifier: HTTPHeaderFilter.optional(),
      matches: z.array(HttpRouteMatch).optional(),
      /** Canary pods of this step: a count, or a percentage of the workload's replicas rounded up. */
      replicas: IntOrString.meta({ maxLength: PERCENT_MAX_LENGTH }).optional(),
      /** `pause: {}` waits for manual approval; a duration (seconds) resumes automatically. */
      pause: z.object({ duration: int32().optional() }).optional(),
      /** Our extension: metric analysis once the step's batch is Ready; success moves on by itself. */
      analysis: StepAnalysis.optional(),
    })
    .meta(celMeta(...stepRules(style)));
}
export const CanaryStep = canaryStep("canary");
export type CanaryStep = z.infer<typeof CanaryStep>;
export type CanaryStepInput = z.input<typeof CanaryStep>;

// Upstream has no bound on steps; 50 (upstream master's bound) keeps CEL cost estimates finite.
const steps = (style: "canary" | "blueGreen") => z.array(canaryStep(style)).max(50).optional();

export const CanaryStrategy = z
  .object({
    steps: steps("canary"),
    trafficRoutings: z.array(TrafficRoutingRefWithRules).optional(),
    failureThreshold: IntOrString.optional(),
    patchPodTemplateMetadata: PatchPodTemplateMetadata.optional(),
    /** true + Deployment: canary style (extra Deployment); otherwise partition style. */
    enableExtraWorkloadForCanary: z.boolean().optional(),
    /** Not read by the controller: it reads the `rollouts.kruise.io/trafficrouting` annotation. */
    trafficRoutingRef: z.string().optional(),
    disableGenerateCanaryService: z.boolean().optional(),
    /** Our extension: analysis across the steps. */
    analysis: BackgroundAnalysis.optional(),
    ...progressFields,
  })
  .meta(celMeta(...subStrategyRules));
export type CanaryStrategy = z.infer<typeof CanaryStrategy>;

export const BlueGreenStrategy = z
  .object({
    steps: steps("blueGreen"),
    trafficRoutings: z.array(TrafficRoutingRefWithRules).optional(),
    failureThreshold: IntOrString.optional(),
    trafficRoutingRef: z.string().optional(),
    disableGenerateCanaryService: z.boolean().optional(),
  })
  .meta(celMeta(...subStrategyRules));
export type BlueGreenStrategy = z.infer<typeof BlueGreenStrategy>;

export const RolloutStrategy = z
  .object({
    paused: z.boolean().optional(),
    canary: CanaryStrategy.optional(),
    blueGreen: BlueGreenStrategy.optional(),
  })
  .meta(celMeta(...strategyRules));
export type RolloutStrategy = z.infer<typeof RolloutStrategy>;

export const RolloutSpec = z.object({
  workloadRef: ObjectRef,
  strategy: RolloutStrategy,
  disabled: z.boolean().default(false),
});
export type RolloutSpec = z.infer<typeof RolloutSpec>;

// Fields shared by canaryStatus and blueGreenStatus (Go `CommonStatus`, inlined).
const commonStatus = {
  observedWorkloadGeneration: int64().optional(),
  observedRolloutID: z.string().optional(),
  rolloutHash: z.string().optional(),
  stableRevision: z.string().optional(),
  podTemplateHash: z.string(),
  /** 1-based. */
  currentStepIndex: int32().optional(),
  /** Normally current+1; -1 on the last step and before the release; users may patch it to jump. */
  nextStepIndex: int32(),
  finalisingStep: z.string(),
  currentStepState: z.string(),
  message: z.string().optional(),
  lastUpdateTime: timestamp().optional(),
};

export const CanaryStatus = z.object({
  ...commonStatus,
  canaryRevision: z.string(),
  canaryReplicas: int32(),
  canaryReadyReplicas: int32(),
});
export type CanaryStatus = z.infer<typeof CanaryStatus>;

export const BlueGreenStatus = z.object({
  ...commonStatus,
  updatedRevision: z.string(),
  updatedReplicas: int32(),
  updatedReadyReplicas: int32(),
});
export type BlueGreenStatus = z.infer<typeof BlueGreenStatus>;

export const RolloutStatus = z.object({
  observedGeneration: int64().optional(),
  canaryStatus: CanaryStatus.optional(),
  blueGreenStatus: BlueGreenStatus.optional(),
  conditions: z.array(RolloutCondition).optional(),
  phase: z.string().optional(),
  message: z.string().optional(),
  /** Copies of the sub-status fields, for `kubectl get` columns. */
  currentStepIndex: int32(),
  currentStepState: z.string(),
  /** Our extension: analysis runs. */
  analysis: AnalysisStatus.optional(),
});
export type RolloutStatus = z.infer<typeof RolloutStatus>;

export const RolloutV1beta1 = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.optional(),
  spec: RolloutSpec.optional(),
  status: RolloutStatus.optional(),
});
/** A parsed (defaulted) v1beta1 Rollout. */
export type RolloutV1beta1 = z.infer<typeof RolloutV1beta1>;
/** A v1beta1 Rollout as written, before defaults. */
export type RolloutV1beta1Input = z.input<typeof RolloutV1beta1>;
