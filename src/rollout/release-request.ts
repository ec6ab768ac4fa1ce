import type { Rollout } from "./model.js";
import { rollingStyle } from "./steps.js";

/**
 * The BatchRelease the Rollout wants for a step (upstream runBatchRelease): same
 * name as the Rollout, owned by it, one batch per step, parked at `stepIndex - 1`.
 */
export function desiredBatchReleaseSpec(
  rollout: Rollout,
  stepIndex: number,
  rolloutID: string,
): Record<string, unknown> {
  const strategy = rollout.spec.strategy.blueGreen ?? rollout.spec.strategy.canary;
  const style = rollingStyle(rollout);
  const releasePlan: Record<string, unknown> = {
    batches: (strategy?.steps ?? []).map((s) => ({ canaryReplicas: s.replicas ?? 0 })),
    batchPartition: stepIndex - 1,
    rolloutID,
    rollingStyle: style,
    enableExtraWorkloadForCanary: rollout.spec.strategy.canary?.enableExtraWorkloadForCanary ?? false,
  };
  if (strategy?.failureThreshold !== undefined) releasePlan.failureThreshold = strategy.failureThreshold;
  if (style === "Canary" && strategy?.patchPodTemplateMetadata) {
    releasePlan.patchPodTemplateMetadata = strategy.patchPodTemplateMetadata;
  }
  return { workloadRef: { ...rollout.spec.workloadRef }, releasePlan };
}

export function batchReleaseObject(rollout: Rollout, spec: Record<string, unknown>) {
  return {
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "BatchRelease",
    metadata: {
      name: rollout.metadata.name,
      namespace: rollout.metadata.namespace,
      ownerReferences: [
        {
          apiVersion: "rollouts.kruise.io/v1beta1",
          kind: "Rollout",
          name: rollout.metadata.name,
          uid: rollout.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec,
  };
}
