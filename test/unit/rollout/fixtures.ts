import type { Rollout } from "../../../src/rollout/model.js";
import type {
  BatchReleaseView,
  RolloutObserved,
  TrafficOps,
  WorkloadView,
} from "../../../src/rollout/observed.js";

export const t0 = new Date("2026-01-01T00:00:00Z");
export const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

export function rollout(overrides: Partial<Rollout["spec"]> = {}, status?: Rollout["status"]): Rollout {
  return {
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: {
      name: "demo",
      namespace: "ns",
      uid: "r-uid",
      generation: 1,
      resourceVersion: "10",
      finalizers: ["rollouts.kruise.io/rollout"],
      annotations: {},
    },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "web" },
      strategy: {
        canary: {
          steps: [{ replicas: 1 }, { replicas: "50%", pause: { duration: 5 } }, { replicas: "100%" }],
        },
      },
      ...overrides,
    },
    ...(status ? { status } : {}),
  };
}

export function workload(overrides: Partial<WorkloadView> = {}): WorkloadView {
  return {
    ref: { apiVersion: "apps/v1", kind: "StatefulSet", name: "web", namespace: "ns" },
    generation: 2,
    statusConsistent: true,
    replicas: 4,
    stableRevision: "web-v1",
    canaryRevision: "web-v2",
    podTemplateHash: "web-v2",
    revisionLabelKey: "controller-revision-hash",
    inProgressing: true,
    isRollback: false,
    labels: { "rollouts.kruise.io/workload-type": "statefulset" },
    ...overrides,
  };
}

export function readyBatchRelease(
  batch: number,
  updated: number,
  extra: Partial<BatchReleaseView> = {},
): BatchReleaseView {
  return {
    exists: true,
    deleting: false,
    generation: 3,
    resourceVersion: "55",
    annotations: {},
    specPlanHash: "h",
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "web" },
      releasePlan: {
        batches: [{ canaryReplicas: 1 }, { canaryReplicas: "50%" }, { canaryReplicas: "100%" }],
        batchPartition: batch,
        rolloutID: "web-v2",
        rollingStyle: "Partition",
        enableExtraWorkloadForCanary: false,
      },
    },
    status: {
      phase: "Progressing",
      observedGeneration: 3,
      observedReleasePlanHash: "h",
      observedRolloutID: "web-v2",
      canaryStatus: {
        currentBatch: batch,
        batchState: "Ready",
        updatedReplicas: updated,
        updatedReadyReplicas: updated,
      },
    },
    ...extra,
  };
}

export function observe(r: Rollout, now: Date, extra: Partial<RolloutObserved> = {}): RolloutObserved {
  return { rollout: r, workload: workload(), batchRelease: null, traffic: null, now, ...extra };
}

/** Traffic ops that report every operation done, or record the calls made. */
export function trafficRecorder(pending: Set<string> = new Set()): TrafficOps & { calls: string[] } {
  const calls: string[] = [];
  const op = (name: string) => () => {
    calls.push(name);
    if (pending.has(name)) {
      pending.delete(name);
      return {
        done: false,
        actions: [{ kind: "event" as const, type: "Normal" as const, reason: "traffic", message: name }],
      };
    }
    return { done: true, actions: [] };
  };
  return {
    calls,
    initialize: () => ({ ok: true }),
    patchStableService: op("patchStableService"),
    restoreStableService: op("restoreStableService"),
    ensureRoutes: op("ensureRoutes"),
    routeAllTrafficToNew: op("routeAllTrafficToNew"),
    restoreGateway: op("restoreGateway"),
    removeCanaryService: op("removeCanaryService"),
  };
}
