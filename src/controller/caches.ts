import type { KubeClient } from "../kube/client.js";
import { Informer } from "../kube/informer.js";
import type { KubeObject } from "../kube/object.js";
import type { ResourceRef } from "../kube/resource.js";
import type { BatchRelease, CloneSet, Deployment, ReplicaSet, StatefulSet } from "../release/model.js";
import type { Rollout } from "../rollout/model.js";
import type { TrafficRoutingObject } from "../trafficrouting/plan.js";
import { OptionalKind } from "./optional-kind.js";

const ref = (group: string, version: string, plural: string): ResourceRef => ({ group, version, plural });

export const resources = {
  rollouts: ref("rollouts.kruise.io", "v1beta1", "rollouts"),
  batchReleases: ref("rollouts.kruise.io", "v1beta1", "batchreleases"),
  deployments: ref("apps", "v1", "deployments"),
  statefulSets: ref("apps", "v1", "statefulsets"),
  replicaSets: ref("apps", "v1", "replicasets"),
  trafficRoutings: ref("rollouts.kruise.io", "v1alpha1", "trafficroutings"),
  // OpenKruise: CloneSets as v1alpha1, the version Kruise Rollout reads and writes (kruise
  // v1.9 stores v1beta1 and converts); Advanced StatefulSets as v1beta1, as upstream watches them.
  cloneSets: ref("apps.kruise.io", "v1alpha1", "clonesets"),
  advancedStatefulSets: ref("apps.kruise.io", "v1beta1", "statefulsets"),
} as const;

/**
 * The watched state. Pods are deliberately not cached: a release reads the pods of
 * its own workload with a label-selected list when it needs them, so memory does not
 * grow with the cluster's pod count (upstream caches every pod).
 */
export interface Caches {
  rollouts: Informer<Rollout & KubeObject>;
  batchReleases: Informer<BatchRelease & KubeObject>;
  deployments: Informer<Deployment>;
  statefulSets: Informer<StatefulSet>;
  replicaSets: Informer<ReplicaSet>;
  trafficRoutings: Informer<TrafficRoutingObject & KubeObject>;
  /** Watched only where OpenKruise's CRDs are installed (see optional-kind.ts). */
  cloneSets: OptionalKind<CloneSet>;
  advancedStatefulSets: OptionalKind<StatefulSet>;
}

function required(caches: Caches): { start(): Promise<boolean>; stop(): Promise<void> }[] {
  return [
    caches.rollouts,
    caches.batchReleases,
    caches.deployments,
    caches.statefulSets,
    caches.replicaSets,
    caches.trafficRoutings,
  ];
}

function optional(caches: Caches): { probe(): Promise<void>; stop(): Promise<void> }[] {
  return [caches.cloneSets, caches.advancedStatefulSets];
}

export function createCaches(client: KubeClient, resyncMs: number, onError: (err: unknown) => void): Caches {
  const make = <T extends KubeObject>(resource: ResourceRef) =>
    new Informer<T>({ client, resource, resyncMs, onError });
  return {
    rollouts: make(resources.rollouts),
    batchReleases: make(resources.batchReleases),
    deployments: make(resources.deployments),
    statefulSets: make(resources.statefulSets),
    replicaSets: make(resources.replicaSets),
    trafficRoutings: make(resources.trafficRoutings),
    cloneSets: new OptionalKind<CloneSet>(client, resources.cloneSets, resyncMs, onError),
    advancedStatefulSets: new OptionalKind<StatefulSet>(
      client,
      resources.advancedStatefulSets,
      resyncMs,
      onError,
    ),
  };
}

/**
 * Resolves once every cache is synced, including the OpenKruise kinds that discovery lists now
 * (a failed discovery probe is reported and retried later, when a Rollout names the kind).
 */
export async function startCaches(caches: Caches, onError: (err: unknown) => void = () => {}): Promise<void> {
  await Promise.all([
    ...required(caches).map((i) => i.start()),
    ...optional(caches).map((o) => o.probe().catch(onError)),
  ]);
}

export async function stopCaches(caches: Caches): Promise<void> {
  await Promise.all([...required(caches).map((i) => i.stop()), ...optional(caches).map((o) => o.stop())]);
}
