// The slice of the rollouts.kruise.io/v1beta1 Rollout that the state machine reads
// and writes, with upstream's JSON names. The zod schemas in src/api are the full
// source of truth; these interfaces are structurally compatible with them.
import type { AnalysisRef, AnalysisStatus } from "../analysis/model.js";

export type IntOrString = number | string;

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
}

export interface HttpHeaderMatch {
  type?: "Exact" | "RegularExpression";
  name: string;
  value: string;
}

export interface HttpRouteMatch {
  path?: { type?: string; value?: string };
  headers?: HttpHeaderMatch[];
  queryParams?: HttpHeaderMatch[];
}

export interface CanaryStep {
  traffic?: string;
  requestHeaderModifier?: Record<string, unknown>;
  matches?: HttpRouteMatch[];
  replicas?: IntOrString;
  pause?: { duration?: number };
  analysis?: AnalysisRef;
}

export interface TrafficRoutingRef {
  service: string;
  gracePeriodSeconds?: number;
  ingress?: { classType?: string; name: string };
  gateway?: { httpRouteName?: string; port?: number };
  customNetworkRefs?: ObjectRef[];
}

export interface CanaryStrategy {
  steps: CanaryStep[];
  trafficRoutings?: TrafficRoutingRef[];
  failureThreshold?: IntOrString;
  patchPodTemplateMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  enableExtraWorkloadForCanary?: boolean;
  trafficRoutingRef?: string;
  disableGenerateCanaryService?: boolean;
  analysis?: AnalysisRef;
  progressDeadlineSeconds?: number;
  progressDeadlineAbort?: boolean;
}

export interface RolloutSpec {
  workloadRef: ObjectRef;
  strategy: { paused?: boolean; canary?: CanaryStrategy; blueGreen?: CanaryStrategy };
  disabled?: boolean;
}

export type StepState =
  | "BeforeStepUpgrade"
  | "StepUpgrade"
  | "StepTrafficRouting"
  | "StepMetricsAnalysis"
  | "StepPaused"
  | "StepReady"
  | "Completed";

export type FinalisingStep =
  | ""
  | "FinalisingStepRouteTrafficToNew"
  | "FinalisingStepRouteTrafficToStable"
  | "RestoreStableService"
  | "RemoveCanaryService"
  | "ResumeWorkload"
  | "ReleaseWorkloadControl"
  | "END";

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CanaryStatus {
  observedWorkloadGeneration?: number;
  observedRolloutID?: string;
  rolloutHash?: string;
  stableRevision?: string;
  canaryRevision: string;
  podTemplateHash: string;
  canaryReplicas: number;
  canaryReadyReplicas: number;
  currentStepIndex: number;
  nextStepIndex: number;
  currentStepState: StepState;
  finalisingStep: FinalisingStep;
  message?: string;
  lastUpdateTime?: string;
}

export type RolloutPhase = "Initial" | "Healthy" | "Progressing" | "Terminating" | "Disabling" | "Disabled";

export interface RolloutStatus {
  observedGeneration?: number;
  phase?: RolloutPhase;
  message?: string;
  conditions?: Condition[];
  currentStepIndex: number;
  currentStepState: StepState | "";
  canaryStatus?: CanaryStatus;
  analysis?: AnalysisStatus;
}

export interface Rollout {
  apiVersion: "rollouts.kruise.io/v1beta1";
  kind: "Rollout";
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
  };
  spec: RolloutSpec;
  status?: RolloutStatus;
}
