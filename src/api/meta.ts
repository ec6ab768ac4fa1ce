import { z } from "zod";

// Building blocks shared by every kind. Integer widths follow the Go fields (int32 / int64); the CRD
// generator turns zod's range checks into the `format` controller-gen writes.

export const int32 = () => z.int32();
export const int64 = () => z.int();
export const timestamp = () => z.string().meta({ format: "date-time" });

/** ObjectMeta as the apiserver serves it; unknown fields pass through (the CRD has plain `object`). */
export const ObjectMeta = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: int64().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(z.looseObject({})).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

/** `{apiVersion, kind, name}` of an object in the same namespace. */
export const ObjectRef = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
});
export type ObjectRef = z.infer<typeof ObjectRef>;

/** Condition shape shared by Rollout and BatchRelease (`RolloutCondition`). */
export const RolloutCondition = z.object({
  type: z.string(),
  status: z.string(),
  lastUpdateTime: timestamp().optional(),
  lastTransitionTime: timestamp().optional(),
  reason: z.string(),
  message: z.string(),
});
export type RolloutCondition = z.infer<typeof RolloutCondition>;

/** Labels / annotations patched into the canary Deployment's pod template. */
export const PatchPodTemplateMetadata = z.object({
  annotations: z.record(z.string(), z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type PatchPodTemplateMetadata = z.infer<typeof PatchPodTemplateMetadata>;
