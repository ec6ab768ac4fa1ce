import { z } from "zod";
import { ObjectMeta, ObjectRef } from "./meta.js";
import { batchReleaseStatusFields, ReleasePlan } from "./release-plan.js";

// BatchRelease rollouts.kruise.io/v1beta1, the storage version. Created by the Rollout controller
// with the Rollout's name; users normally never write it.

export const BatchReleaseSpec = z.object({
  workloadRef: ObjectRef.optional(),
  releasePlan: ReleasePlan,
});
export type BatchReleaseSpec = z.infer<typeof BatchReleaseSpec>;

export const BatchReleaseStatus = z.object({
  ...batchReleaseStatusFields,
  message: z.string().optional(),
});
export type BatchReleaseStatus = z.infer<typeof BatchReleaseStatus>;

export const BatchReleaseV1beta1 = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.optional(),
  spec: BatchReleaseSpec.optional(),
  status: BatchReleaseStatus.optional(),
});
export type BatchReleaseV1beta1 = z.infer<typeof BatchReleaseV1beta1>;
export type BatchReleaseV1beta1Input = z.input<typeof BatchReleaseV1beta1>;
