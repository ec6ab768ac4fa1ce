// The contract between the BatchRelease state machine (plan.ts) and one workload style.
// Upstream's control.Interface returns errors to mean "not yet"; ours returns data saying so,
// together with the writes it needs, which the shell performs whether or not the step is done.

import type { Action } from "../actions.js";
import type {
  BatchRelease,
  BatchReleaseStatus,
  CloneSet,
  Deployment,
  Pod,
  ReplicaSet,
  StatefulSet,
} from "../model.js";
import type { ControllerRevision, DaemonSet } from "../workloads/daemonset.js";
import type { HorizontalPodAutoscaler } from "./bluegreen-hpa.js";

/** What the state machine learns about the workload before acting (upstream WorkloadEventType). */
export type WorkloadEvent =
  | "normal"
  | "unknown"
  | "templateChanged"
  | "replicasChanged"
  | "reconciling"
  | "gone"
  | "rollbackInBatch";

export interface WorkloadSync {
  event: WorkloadEvent;
  replicas?: number;
  updatedReplicas?: number;
  updatedReadyReplicas?: number;
  updateRevision?: string;
  stableRevision?: string;
}

export interface StepResult {
  actions: Action[];
  /** False: retry on a later pass (upstream returned an error). */
  done: boolean;
  /** Why the step is not done yet. */
  reason?: string;
  /** Upstream BadRequest: the reason is surfaced in the Progressing condition. */
  badRequest?: boolean;
  /** Status bookkeeping that comes with a successful step (Initialize). */
  status?: Partial<Omit<BatchReleaseStatus, "canaryStatus">> & { noNeedUpdateReplicas?: number };
}

export interface ReleaseControl {
  sync(status: BatchReleaseStatus): WorkloadSync;
  initialize(status: BatchReleaseStatus): StepResult;
  upgradeBatch(status: BatchReleaseStatus): StepResult;
  /** Labels the batch's pods and says whether the batch is ready (upstream EnsureBatchPodsReadyAndLabeled). */
  ensureBatchReady(status: BatchReleaseStatus): StepResult;
  finalize(status: BatchReleaseStatus): StepResult;
  /** Writes the workload needs on every pass, whatever the phase (the partition Deployment's ReplicaSets). */
  drive(): Action[];
}

/** Everything one pass of the BatchRelease planner reads. The shell builds it from its caches. */
export interface ObservedRelease {
  release: BatchRelease;
  /** The referenced workload; absent when it does not exist. */
  workload?: Deployment | StatefulSet | CloneSet | DaemonSet;
  /** A read error other than NotFound: the pass only reports it. */
  workloadError?: string;
  /** ReplicaSets in the namespace (of the workload and of canary Deployments). */
  replicaSets?: ReplicaSet[];
  /** Deployments in the namespace that may be this release's canary Deployments. */
  deployments?: Deployment[];
  /** ControllerRevisions in the namespace (a native DaemonSet's revisions). */
  controllerRevisions?: ControllerRevision[];
  /** Pods selected by the workload's selector (canary pods included). */
  pods?: Pod[];
  /**
   * The shell created a canary Deployment for this release and its cache has not shown it yet
   * (upstream's in-memory creation expectation). Stops a second canary being created.
   */
  canaryCreationPending?: boolean;
  /** Write the seed's apps.kruise.io batch label pair too (default true). */
  legacyBatchLabels?: boolean;
  /** HPAs in the namespace; read for blue-green releases only, which detach the workload's. */
  horizontalPodAutoscalers?: HorizontalPodAutoscaler[];
}

export const done = (actions: Action[] = [], extra: Partial<StepResult> = {}): StepResult => ({
  actions,
  done: true,
  ...extra,
});

export const notYet = (reason: string, actions: Action[] = []): StepResult => ({
  actions,
  done: false,
  reason,
});
