import { z } from "zod";
import { ObjectMeta, ObjectRef } from "./meta.js";
import { batchReleaseStatusFields, ReleasePlan } from "./release-plan.js";

// BatchRelease rollouts.kruise.io/v1alpha1: the workload sits under `targetReference` and the
// status has no `message`.

export const BatchReleaseSpecV1alpha1 = z.object({
  targetReference: z.object({ workloadRef: ObjectRef.optional() }),
  releasePlan: ReleasePlan,
});
export type BatchReleaseSpecV1alpha1 = z.infer<typeof BatchReleaseSpecV1alpha1>;

export const BatchReleaseStatusV1alpha1 = z.object(batchReleaseStatusFields);
export type BatchReleaseStatusV1alpha1 = z.infer<typeof BatchReleaseStatusV1alpha1>;

export const BatchReleaseV1alpha1 = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.optional(),
  spec: BatchReleaseSpecV1alpha1.optional(),
  status: BatchReleaseStatusV1alpha1.optional(),
});
export type BatchReleaseV1alpha1 = z.infer<typeof BatchReleaseV1alpha1>;
export type BatchReleaseV1alpha1Input = z.input<typeof BatchReleaseV1alpha1>;
