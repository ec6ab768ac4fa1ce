import { z } from "zod";
import { int32, timestamp } from "./meta.js";

// The Rollout's side of analysis: fields added to v1beta1 only (spec and status). Old clients
// read and write v1alpha1, where these fields are carried in the conversion annotation
// `rollouts.kruise.io/v1beta1-only`; a v0.3.0 full-object write sends that annotation back
// unchanged, and converting the write to v1beta1 restores the fields (see conversion.ts).

export const AnalysisTemplateRef = z.object({
  templateName: z.string().min(1),
  /** true: a ClusterAnalysisTemplate; otherwise an AnalysisTemplate in the Rollout's namespace. */
  clusterScope: z.boolean().optional(),
});

export const AnalysisArg = z.object({
  name: z.string().min(1),
  /**
   * May use {{rollout.name}}, {{rollout.namespace}}, {{rollout.canaryRevision}},
   * {{rollout.stableRevision}} and {{rollout.podTemplateHash}}.
   */
  value: z.string(),
});

/** `steps[i].analysis`: runs once the step's batch is Ready (and its traffic routed). */
export const StepAnalysis = z.object({
  templates: z.array(AnalysisTemplateRef).min(1).max(10),
  args: z.array(AnalysisArg).optional(),
});

/** `strategy.canary.analysis`: runs in the background from `startingStep` to the last step. */
export const BackgroundAnalysis = StepAnalysis.extend({
  /** 1-based; default 1. */
  startingStep: int32().min(1).optional(),
});

/** Added to the canary strategy. */
export const progressFields = {
  /** A step whose batch is not Ready this long after it started aborts or pauses (below). */
  progressDeadlineSeconds: int32().min(1).optional(),
  /** true: abort like a failed analysis; false (default): pause and say so. */
  progressDeadlineAbort: z.boolean().optional(),
};

const Measurement = z.object({
  at: timestamp(),
  phase: z.string(),
  value: z.string().optional(),
  message: z.string().optional(),
});

const MetricStatus = z.object({
  name: z.string(),
  phase: z.string(),
  successful: int32(),
  failed: int32(),
  inconclusive: int32(),
  consecutiveUncounted: int32(),
  lastMeasuredAt: timestamp().optional(),
  message: z.string().optional(),
  measurements: z.array(Measurement).max(10),
});

const RunStatus = z.object({
  phase: z.string(),
  stepIndex: int32().optional(),
  canaryRevision: z.string(),
  startedAt: timestamp(),
  message: z.string().optional(),
  decidedBy: z.object({ metric: z.string(), value: z.string().optional() }).optional(),
  metrics: z.array(MetricStatus).max(200),
});

/** `status.analysis`: the step's run and the background run, persisted so a restart continues them. */
export const AnalysisStatus = z.object({
  step: RunStatus.optional(),
  background: RunStatus.optional(),
});
