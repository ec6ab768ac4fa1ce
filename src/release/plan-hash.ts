// observedReleasePlanHash = hex(sha256(JSON(releasePlan))) with the Go struct's field order and
// omitempty rules, so a BatchRelease written by upstream keeps its hash under us (spec §4.10).

import { createHash } from "node:crypto";
import type { ReleasePlan } from "./model.js";

export function releasePlanHash(plan: ReleasePlan): string {
  return createHash("sha256").update(releasePlanJson(plan)).digest("hex");
}

export function releasePlanJson(plan: ReleasePlan): string {
  const out: Record<string, unknown> = {
    batches: (plan.batches ?? []).map((b) => ({ canaryReplicas: b.canaryReplicas })),
  };
  if (plan.batchPartition !== undefined && plan.batchPartition !== null)
    out.batchPartition = plan.batchPartition;
  if (plan.rolloutID) out.rolloutID = plan.rolloutID;
  if (plan.failureThreshold !== undefined && plan.failureThreshold !== null)
    out.failureThreshold = plan.failureThreshold;
  if (plan.finalizingPolicy) out.finalizingPolicy = plan.finalizingPolicy;
  if (plan.patchPodTemplateMetadata) {
    const meta: Record<string, unknown> = {};
    // Go marshals maps with sorted keys; annotations precede labels in the struct.
    if (nonEmpty(plan.patchPodTemplateMetadata.annotations))
      meta.annotations = sorted(plan.patchPodTemplateMetadata.annotations);
    if (nonEmpty(plan.patchPodTemplateMetadata.labels))
      meta.labels = sorted(plan.patchPodTemplateMetadata.labels);
    out.patchPodTemplateMetadata = meta;
  }
  if (plan.rollingStyle) out.rollingStyle = plan.rollingStyle;
  out.enableExtraWorkloadForCanary = plan.enableExtraWorkloadForCanary ?? false;
  // encoding/json escapes these for HTML safety; they can only occur inside strings here.
  return JSON.stringify(out).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function nonEmpty(map: Record<string, string> | undefined): map is Record<string, string> {
  return map !== undefined && Object.keys(map).length > 0;
}

function sorted(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
