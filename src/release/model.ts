// The BatchRelease (rollouts.kruise.io/v1beta1) and the slices of core/apps objects the release
// planner reads. Field names are upstream's JSON names so that these types stay structurally
// compatible with the zod-derived types of src/api and with what the API server returns.

import type { KubeObject, ObjectMeta } from "../kube/object.js";

/** Kubernetes IntOrString: a count, or a percentage written as "N%". */
export type IntOrString = number | string;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Meta extends ObjectMeta {
  generateName?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
}

export interface PatchPodTemplateMetadata {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export type RollingStyle = "Canary" | "Partition" | "BlueGreen";
export type FinalizingPolicy = "WaitResume" | "Immediate";

export interface ReleasePlan {
  batches: { canaryReplicas: IntOrString }[];
  /** 0-based batch the Rollout allows; null/absent means "finish and promote". */
  batchPartition?: number | null;
  rolloutID?: string;
  failureThreshold?: IntOrString | null;
  finalizingPolicy?: FinalizingPolicy | "";
  patchPodTemplateMetadata?: PatchPodTemplateMetadata | null;
  rollingStyle?: RollingStyle | "";
  enableExtraWorkloadForCanary?: boolean;
}

export interface BatchReleaseSpec {
  workloadRef: ObjectRef;
  releasePlan: ReleasePlan;
}

export type ReleasePhase = "" | "Initial" | "Preparing" | "Progressing" | "Finalizing" | "Completed";
export type BatchState = "Upgrading" | "Verifying" | "Ready";

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface BatchReleaseCanaryStatus {
  batchState?: BatchState | "";
  currentBatch: number;
  batchReadyTime?: string | null;
  updatedReplicas?: number;
  updatedReadyReplicas?: number;
  noNeedUpdateReplicas?: number | null;
}

export interface BatchReleaseStatus {
  conditions?: Condition[];
  canaryStatus: BatchReleaseCanaryStatus;
  stableRevision?: string;
  updateRevision?: string;
  observedGeneration?: number;
  observedRolloutID?: string;
  observedWorkloadReplicas?: number;
  collisionCount?: number | null;
  observedReleasePlanHash?: string;
  phase?: ReleasePhase;
  message?: string;
}

export interface BatchRelease {
  apiVersion?: string;
  kind?: string;
  metadata: Meta & { name: string; namespace: string; uid: string };
  spec: BatchReleaseSpec;
  status?: BatchReleaseStatus;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [f: string]: unknown };
  spec?: Record<string, unknown>;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}

export interface RollingUpdateDeployment {
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
}

export interface Deployment extends KubeObject {
  metadata: Meta;
  spec: {
    replicas?: number;
    selector?: LabelSelector;
    template: PodTemplate;
    strategy?: { type?: string; rollingUpdate?: RollingUpdateDeployment | null };
    paused?: boolean;
    minReadySeconds?: number;
    [f: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    collisionCount?: number;
  };
}

export interface ReplicaSet extends KubeObject {
  metadata: Meta;
  spec: { replicas?: number; selector?: LabelSelector; template: PodTemplate; minReadySeconds?: number };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
}

export interface StatefulSet extends KubeObject {
  metadata: Meta;
  spec: {
    replicas?: number;
    selector?: LabelSelector;
    template: PodTemplate;
    updateStrategy?: {
      type?: string;
      rollingUpdate?: {
        partition?: number | null;
        paused?: boolean;
        maxUnavailable?: IntOrString;
        unorderedUpdate?: unknown;
      } | null;
    };
    [f: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    updatedReadyReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

/** OpenKruise CloneSet (apps.kruise.io/v1alpha1): the fields the release side reads and writes. */
export interface CloneSet extends KubeObject {
  metadata: Meta;
  spec: {
    replicas?: number;
    selector?: LabelSelector;
    template: PodTemplate;
    minReadySeconds?: number;
    updateStrategy?: {
      type?: string;
      partition?: IntOrString | null;
      paused?: boolean;
      maxSurge?: IntOrString | null;
      maxUnavailable?: IntOrString | null;
      [f: string]: unknown;
    };
    [f: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    updatedReadyReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface Pod extends KubeObject {
  metadata: Meta;
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
  };
}
