import type { Observation, ResolvedRun } from "../analysis/model.js";
import type { TrafficRoutingObject } from "../trafficrouting/plan.js";
import type { Action } from "./action.js";
import type { CanaryStep, ObjectRef, Rollout } from "./model.js";

/** The workload as the Rollout sees it, normalised per kind by src/release/workloads. */
export interface WorkloadView {
  ref: ObjectRef & { namespace: string };
  uid?: string;
  generation: number;
  /** status.observedGeneration == metadata.generation: the workload status can be trusted. */
  statusConsistent: boolean;
  replicas: number;
  stableRevision: string;
  canaryRevision: string;
  /** The revision label value of new pods; "" while unknown. */
  podTemplateHash: string;
  revisionLabelKey: "pod-template-hash" | "controller-revision-hash";
  inProgressing: boolean;
  isRollback: boolean;
  labels: Record<string, string>;
}

/** What the Rollout needs of its BatchRelease. */
export interface BatchReleaseView {
  exists: true;
  /** It has a deletionTimestamp: deleted, waiting for its finalizer. */
  deleting: boolean;
  generation: number;
  resourceVersion: string;
  spec: Record<string, unknown> & { releasePlan: Record<string, unknown> };
  annotations: Record<string, string>;
  status: {
    phase?: string;
    observedGeneration?: number;
    observedReleasePlanHash?: string;
    observedRolloutID?: string;
    message?: string;
    canaryStatus?: {
      currentBatch: number;
      batchState?: string;
      updatedReplicas?: number;
      updatedReadyReplicas?: number;
    };
  };
  /** hash of spec.releasePlan as the BatchRelease controller computes it. */
  specPlanHash: string;
}

/** One traffic operation's outcome: done, or the changes to make first. */
export interface TrafficStep {
  done: boolean;
  actions: Action[];
  error?: string;
}

/**
 * The traffic operations the state machine sequences. Each is pure over the network
 * objects observed for this pass (built by src/traffic), and idempotent: calling it
 * again after its actions were applied returns done.
 */
export interface TrafficOps {
  /** Whether the referenced Service and provider objects exist (checked while Initializing). */
  initialize(): { ok: boolean; error?: string };
  patchStableService(): TrafficStep;
  restoreStableService(): TrafficStep;
  /** Canary Service plus provider routes for a step's traffic and matches. */
  ensureRoutes(step: CanaryStep): TrafficStep;
  routeAllTrafficToNew(): TrafficStep;
  restoreGateway(): TrafficStep;
  removeCanaryService(): TrafficStep;
}

export interface RolloutObserved {
  rollout: Rollout;
  workload: WorkloadView | null;
  batchRelease: BatchReleaseView | null;
  /** Absent when the Rollout has no trafficRoutings. */
  traffic: TrafficOps | null;
  /**
   * The TrafficRouting object the Rollout's `rollouts.kruise.io/trafficrouting`
   * annotation names: undefined without the annotation, null when it does not exist.
   */
  trafficRouting?: TrafficRoutingObject | null;
  /** What the shell measured for the analysis runs that were due (src/controller/analysis-source.ts). */
  analysis?: ObservedAnalysis;
  now: Date;
}

/** One run's inputs: the resolved templates (or why they could not be), and fresh observations. */
export interface ObservedRun {
  run?: ResolvedRun;
  error?: string;
  observations: Record<string, { at: string; observation: Observation }>;
  /** Metrics whose due measurement is still running; the shell enqueues the Rollout when it ends. */
  measuring?: string[];
}

export interface ObservedAnalysis {
  step?: ObservedRun;
  background?: ObservedRun;
  /** While aborting: the write that puts the workload's template back to the stable revision. */
  revert?: { action?: Action; error?: string };
}

export interface RolloutPlan {
  /** The whole desired status; the shell writes only the fields that differ. */
  status: NonNullable<Rollout["status"]>;
  actions: Action[];
  requeueAfterMs?: number;
}
