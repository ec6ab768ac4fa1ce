// The string values upstream writes into status and conditions. The schemas keep these fields as
// plain strings (as the upstream CRDs do); controllers compare against these constants.

export const RolloutPhase = {
  Initial: "Initial",
  Healthy: "Healthy",
  Progressing: "Progressing",
  Terminating: "Terminating",
  Disabling: "Disabling",
  Disabled: "Disabled",
} as const;

export const StepState = {
  BeforeStepUpgrade: "BeforeStepUpgrade",
  StepUpgrade: "StepUpgrade",
  StepTrafficRouting: "StepTrafficRouting",
  StepMetricsAnalysis: "StepMetricsAnalysis",
  StepPaused: "StepPaused",
  StepReady: "StepReady",
  Completed: "Completed",
} as const;

export const ConditionType = {
  Progressing: "Progressing",
  Succeeded: "Succeeded",
  Terminating: "Terminating",
} as const;

export const ProgressingReason = {
  Initializing: "Initializing",
  InRolling: "InRolling",
  Finalising: "Finalising",
  Completed: "Completed",
  Cancelling: "Cancelling",
  Paused: "Paused",
} as const;

export const TerminatingReason = { InTerminating: "InTerminating", Completed: "Completed" } as const;

export const FinaliseReason = {
  Success: "Success",
  Rollback: "Rollback",
  Continuous: "Continuous",
  RolloutDisabled: "RolloutDisabled",
  RolloutDeleting: "RolloutDeleting",
} as const;

export const FinalisingStep = {
  RouteTrafficToNew: "FinalisingStepRouteTrafficToNew",
  RouteTrafficToStable: "FinalisingStepRouteTrafficToStable",
  RestoreStableService: "RestoreStableService",
  RemoveCanaryService: "RemoveCanaryService",
  ResumeWorkload: "ResumeWorkload",
  ReleaseWorkloadControl: "ReleaseWorkloadControl",
  End: "END",
  WaitEndless: "WaitEndless",
} as const;

export const RollingStyle = { Canary: "Canary", Partition: "Partition", BlueGreen: "BlueGreen" } as const;
export type RollingStyle = (typeof RollingStyle)[keyof typeof RollingStyle];

export const BatchReleasePhase = {
  Preparing: "Preparing",
  Progressing: "Progressing",
  Finalizing: "Finalizing",
  Completed: "Completed",
} as const;

export const BatchState = { Upgrading: "Upgrading", Verifying: "Verifying", Ready: "Ready" } as const;

export const FinalizingPolicy = { WaitResume: "WaitResume", Immediate: "Immediate" } as const;

export const TrafficRoutingPhase = {
  Initial: "Initial",
  Healthy: "Healthy",
  Progressing: "Progressing",
  Finalizing: "Finalizing",
  Terminating: "Terminating",
} as const;
