// Every label, annotation and finalizer key the release side reads or writes (spec §1.8).
// Kept in one place because they are the wire contract with upstream tooling and the webhook.

export const controlInfoAnnotation = "batchrelease.rollouts.kruise.io/control-info";
export const inProgressingAnnotation = "rollouts.kruise.io/in-progressing";
export const rollbackInBatchAnnotation = "rollouts.kruise.io/rollback-in-batch";
export const stableRevisionLabel = "rollouts.kruise.io/stable-revision";
export const deploymentStrategyAnnotation = "rollouts.kruise.io/deployment-strategy";
export const originalDeploymentStrategyAnnotation = "rollouts.kruise.io/original-deployment-strategy";
export const deploymentExtraStatusAnnotation = "rollouts.kruise.io/deployment-extra-status";
export const advancedDeploymentControlLabel =
  "rollouts.kruise.io/controlled-by-advanced-deployment-controller";
export const canaryDeploymentLabel = "rollouts.kruise.io/canary-deployment";
export const canaryDeploymentFinalizer = "finalizer.rollouts.kruise.io/batch-release";
export const batchReleaseFinalizer = "rollouts.kruise.io/batch-release-finalizer";
export const noNeedUpdateLabel = "rollouts.kruise.io/no-need-update";
export const rolloutIdLabel = "rollouts.kruise.io/rollout-id";
export const rolloutBatchIdLabel = "rollouts.kruise.io/rollout-batch-id";
/** The seed's keys, written by upstream up to v0.2; still read by older tooling. */
export const legacyRolloutIdLabel = "apps.kruise.io/rollout-id";
export const legacyRolloutBatchIdLabel = "apps.kruise.io/rollout-batch-id";
export const podTemplateHashLabel = "pod-template-hash";
export const controllerRevisionHashLabel = "controller-revision-hash";
export const deploymentRevisionAnnotation = "deployment.kubernetes.io/revision";
export const deploymentRevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
export const desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
export const maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
export const lastAppliedConfigAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
