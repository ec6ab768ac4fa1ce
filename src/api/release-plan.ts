import { z } from "zod";
import { IntOrString } from "./int-or-string.js";
import { int32, int64, PatchPodTemplateMetadata, RolloutCondition, timestamp } from "./meta.js";

// The BatchRelease plan and status; identical in v1alpha1 and v1beta1 except for the status
// `message`, which only v1beta1 has (upstream api/v1*/batchrelease_plan_types.go).

export const ReleasePlan = z.object({
  /** One batch per Rollout step, `canaryReplicas = steps[i].replicas`. */
  batches: z.array(z.object({ canaryReplicas: IntOrString })).optional(),
  /** 0-based batch to reach; absent means "finish / promote". */
  batchPartition: int32().optional(),
  rolloutID: z.string().optional(),
  failureThreshold: IntOrString.optional(),
  /** `WaitResume` or `Immediate`; set only while finalizing. */
  finalizingPolicy: z.string().optional(),
  patchPodTemplateMetadata: PatchPodTemplateMetadata.optional(),
  /** `Canary`, `Partition` or `BlueGreen`. */
  rollingStyle: z.string().optional(),
  /** Fallback for an empty rollingStyle. */
  enableExtraWorkloadForCanary: z.boolean(),
});
export type ReleasePlan = z.infer<typeof ReleasePlan>;

export const BatchReleaseCanaryStatus = z.object({
  /** `Upgrading`, `Verifying` or `Ready`. */
  batchState: z.string().optional(),
  /** 0-based. */
  currentBatch: int32(),
  batchReadyTime: timestamp().optional(),
  updatedReplicas: int32().optional(),
  updatedReadyReplicas: int32().optional(),
  noNeedUpdateReplicas: int32().optional(),
});
export type BatchReleaseCanaryStatus = z.infer<typeof BatchReleaseCanaryStatus>;

export const batchReleaseStatusFields = {
  conditions: z.array(RolloutCondition).optional(),
  canaryStatus: BatchReleaseCanaryStatus.optional(),
  stableRevision: z.string().optional(),
  updateRevision: z.string().optional(),
  observedGeneration: int64().optional(),
  observedRolloutID: z.string().optional(),
  /** -1 after a reset. */
  observedWorkloadReplicas: int32().optional(),
  collisionCount: int32().optional(),
  observedReleasePlanHash: z.string().optional(),
  /** `Preparing`, `Progressing`, `Finalizing` or `Completed`. */
  phase: z.string().optional(),
};
