// Keys of the labels, annotations and finalizers the system reads or writes (spec §1.8).
// They are part of the compatibility surface: existing clusters and tools rely on the exact strings.

export const GROUP = "rollouts.kruise.io";

export const Labels = {
  workloadType: "rollouts.kruise.io/workload-type",
  stableRevision: "rollouts.kruise.io/stable-revision",
  controlledByAdvancedDeploymentController: "rollouts.kruise.io/controlled-by-advanced-deployment-controller",
  canaryDeployment: "rollouts.kruise.io/canary-deployment",
  rolloutId: "rollouts.kruise.io/rollout-id",
  rolloutBatchId: "rollouts.kruise.io/rollout-batch-id",
  controllerRevisionHash: "controller-revision-hash",
  podTemplateHash: "pod-template-hash",
  noNeedUpdate: "rollouts.kruise.io/no-need-update",
  rolloutName: "rollouts.kruise.io/rollout-name",
} as const;

export const Annotations = {
  inProgressing: "rollouts.kruise.io/in-progressing",
  batchReleaseControlInfo: "batchrelease.rollouts.kruise.io/control-info",
  deploymentStrategy: "rollouts.kruise.io/deployment-strategy",
  deploymentExtraStatus: "rollouts.kruise.io/deployment-extra-status",
  originalDeploymentStrategy: "rollouts.kruise.io/original-deployment-strategy",
  daemonSetRevision: "rollouts.kruise.io/daemonset-revision",
  daemonSetAdvancedControl: "rollouts.kruise.io/daemonset-advanced-control",
  daemonSetOriginalUpdateStrategy: "rollouts.kruise.io/daemonset-original-update-strategy",
  originalSpecConfiguration: "rollouts.kruise.io/original-spec-configuration",
  rolloutHash: "rollouts.kruise.io/hash",
  rollbackInBatch: "rollouts.kruise.io/rollback-in-batch",
  trafficRouting: "rollouts.kruise.io/trafficrouting",
  /** v1alpha1 only: `canary` (default) or `partition`; converted to `enableExtraWorkloadForCanary`. */
  rollingStyle: "rollouts.kruise.io/rolling-style",
  /**
   * Written by our conversion (not upstream): on a v1alpha1 object, the v1beta1 fields that v1alpha1
   * cannot express; on a v1beta1 object, the v1alpha1 fields that v1beta1 cannot express. Metadata
   * survives clients that only know one version, so conversion is lossless both ways.
   */
  v1beta1Only: "rollouts.kruise.io/v1beta1-only",
  v1alpha1Only: "rollouts.kruise.io/v1alpha1-only",
} as const;

export const Finalizers = {
  rollout: "rollouts.kruise.io/rollout",
  batchRelease: "rollouts.kruise.io/batch-release-finalizer",
  canaryDeployment: "finalizer.rollouts.kruise.io/batch-release",
  trafficRouting: "rollouts.kruise.io/trafficrouting",
  /** Prefix; the full finalizer is `progressing.rollouts.kruise.io/<rolloutName>`. */
  progressingRolloutPrefix: "progressing.rollouts.kruise.io",
} as const;

/** Finalizer a TrafficRouting carries for each progressing Rollout that uses it. */
export function progressingRolloutFinalizer(rolloutName: string): string {
  return `${Finalizers.progressingRolloutPrefix}/${rolloutName}`;
}

/** HPA scaleTargetRef name suffix that disables an HPA during a blue-green release. */
export const HPA_DISABLE_SUFFIX = "-DisableByRollout";
