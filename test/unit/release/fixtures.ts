import type { Action } from "../../../src/release/actions.js";
// Builders for observed objects used by the release planner tests.

import { controlInfo } from "../../../src/release/control/control-info.js";
import { batchReleaseFinalizer } from "../../../src/release/keys.js";
import type {
  BatchRelease,
  Deployment,
  Pod,
  ReleasePlan,
  ReplicaSet,
  StatefulSet,
} from "../../../src/release/model.js";
import { releasePlanHash } from "../../../src/release/plan-hash.js";

export const now = new Date("2026-01-01T00:00:00Z");

export const template = (image: string) => ({
  metadata: { labels: { app: "demo" } },
  spec: { containers: [{ name: "main", image }] },
});

export function release(
  plan: Partial<ReleasePlan>,
  kind: "Deployment" | "StatefulSet" = "StatefulSet",
): BatchRelease {
  return {
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "BatchRelease",
    metadata: {
      name: "demo",
      namespace: "ns",
      uid: "br-uid",
      generation: 1,
      finalizers: [batchReleaseFinalizer],
    },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind, name: "demo" },
      releasePlan: {
        batches: [{ canaryReplicas: 1 }, { canaryReplicas: "50%" }, { canaryReplicas: "100%" }],
        batchPartition: 0,
        rolloutID: "r1",
        ...plan,
      },
    },
  };
}

/** A release already Progressing at `batch` in `state` whose status matches its plan. */
export function progressing(
  br: BatchRelease,
  batch: number,
  state: "Upgrading" | "Verifying" | "Ready",
  extra = {},
): BatchRelease {
  return {
    ...br,
    status: {
      phase: "Progressing",
      observedGeneration: br.metadata.generation ?? 0,
      observedReleasePlanHash: releasePlanHash(br.spec.releasePlan),
      observedRolloutID: br.spec.releasePlan.rolloutID ?? "",
      observedWorkloadReplicas: 4,
      stableRevision: "demo-v1",
      updateRevision: "demo-v2",
      canaryStatus: { currentBatch: batch, batchState: state, updatedReplicas: 0, updatedReadyReplicas: 0 },
      ...extra,
    },
  };
}

export function statefulSet(
  opts: { partition?: number; updated?: number; updatedReady?: number; controlled?: BatchRelease } = {},
): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: {
      name: "demo",
      namespace: "ns",
      uid: "sts-uid",
      generation: 2,
      annotations: {
        "rollouts.kruise.io/in-progressing": '{"rolloutName":"demo"}',
        ...(opts.controlled
          ? { "batchrelease.rollouts.kruise.io/control-info": controlInfo(opts.controlled) }
          : {}),
      },
    },
    spec: {
      replicas: 4,
      template: template("v2"),
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: opts.partition ?? 32767 } },
    },
    status: {
      observedGeneration: 2,
      replicas: 4,
      readyReplicas: 4,
      updatedReplicas: opts.updated ?? 0,
      updatedReadyReplicas: opts.updatedReady ?? 0,
      currentRevision: "demo-v1",
      updateRevision: "demo-v2",
    },
  };
}

export function pod(
  name: string,
  labels: Record<string, string>,
  ownerUid: string,
  ready = true,
  ownerKind = "StatefulSet",
  ownerName = "demo",
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "ns",
      labels,
      ownerReferences: [
        { apiVersion: "apps/v1", kind: ownerKind, name: ownerName, uid: ownerUid, controller: true },
      ],
    },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

export function deployment(
  opts: Partial<Deployment["spec"]> & {
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    status?: Deployment["status"];
  } = {},
): Deployment {
  const { annotations, labels, status, ...spec } = opts;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "demo",
      namespace: "ns",
      uid: "dep-uid",
      generation: 3,
      annotations: annotations ?? {},
      labels: labels ?? {},
    },
    spec: { replicas: 4, selector: { matchLabels: { app: "demo" } }, template: template("v2"), ...spec },
    status: status ?? {
      observedGeneration: 3,
      replicas: 4,
      updatedReplicas: 0,
      availableReplicas: 4,
      readyReplicas: 4,
    },
  };
}

export function replicaSet(
  name: string,
  image: string,
  replicas: number,
  available: number,
  opts: { owner?: string; revision?: number; created?: string; hash?: string } = {},
): ReplicaSet {
  const hash = opts.hash ?? name.split("-").at(-1) ?? "";
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: "ns",
      uid: `${name}-uid`,
      resourceVersion: "7",
      creationTimestamp: opts.created ?? "2025-01-01T00:00:00Z",
      labels: { app: "demo", "pod-template-hash": hash },
      annotations: { "deployment.kubernetes.io/revision": String(opts.revision ?? 1) },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: "demo",
          uid: opts.owner ?? "dep-uid",
          controller: true,
        },
      ],
    },
    spec: {
      replicas,
      template: { ...template(image), metadata: { labels: { app: "demo", "pod-template-hash": hash } } },
    },
    status: { replicas, availableReplicas: available, readyReplicas: available },
  };
}

/** `ready` ready pods and `unready` not-ready pods owned by `rs`. */
export function podsOf(rs: ReplicaSet, ready: number, unready = 0): Pod[] {
  const hash = rs.metadata.labels?.["pod-template-hash"] ?? "";
  return Array.from({ length: ready + unready }, (_, i) =>
    pod(
      `${rs.metadata.name}-${i}`,
      { app: "demo", "pod-template-hash": hash },
      rs.metadata.uid ?? "",
      i < ready,
      "ReplicaSet",
      rs.metadata.name,
    ),
  );
}

/** The document of a patch action, typed for the assertion at hand. */
export function patchBody<T>(action: Action | undefined): T {
  if (action?.kind !== "patch") throw new Error(`not a patch: ${JSON.stringify(action)}`);
  return action.patch as unknown as T;
}
