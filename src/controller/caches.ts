import type { KubeClient } from "../kube/client.js";
import { Informer } from "../kube/informer.js";
import type { KubeObject } from "../kube/object.js";
import type { ResourceRef } from "../kube/resource.js";
import type { BatchRelease, CloneSet, Deployment, ReplicaSet, StatefulSet } from "../release/model.js";
import type { ControllerRevision, DaemonSet } from "../release/workloads/daemonset.js";
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
  daemonSets: ref("apps", "v1", "daemonsets"),
  controllerRevisions: ref("apps", "v1", "controllerrevisions"),
  advancedDaemonSets: ref("apps.kruise.io", "v1alpha1", "daemonsets"),
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
  daemonSets: Informer<DaemonSet & KubeObject>;
  /** Only the metadata and revision number: a native DaemonSet's revisions, by owner. */
  controllerRevisions: Informer<ControllerRevision & KubeObject>;
  advancedDaemonSets: OptionalKind<DaemonSet & KubeObject>;
}

function required(caches: Caches): { start(): Promise<boolean>; stop(): Promise<void> }[] {
  return [
    caches.rollouts,
    caches.batchReleases,
    caches.deployments,
    caches.statefulSets,
    caches.replicaSets,
    caches.trafficRoutings,
    caches.daemonSets,
    caches.controllerRevisions,
  ];
}

function optional(caches: Caches): { probe(): Promise<void>; stop(): Promise<void> }[] {
  return [caches.cloneSets, caches.advancedStatefulSets, caches.advancedDaemonSets];
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
    daemonSets: make(resources.daemonSets),
    controllerRevisions: new Informer<ControllerRevision & KubeObject>({
      client,
      resource: resources.controllerRevisions,
      resyncMs,
      onError,
      transform: ({ data: _data, ...rest }: ControllerRevision & KubeObject & { data?: unknown }) => rest,
    }),
    advancedDaemonSets: new OptionalKind<DaemonSet & KubeObject>(
      client,
      resources.advancedDaemonSets,
      resyncMs,
      onError,
    ),
  };
}

/**
 * Resolves once every cache is synced, including the OpenKruise kinds that discovery lists now
 * (a failed discovery probe is reported and retried later, when a Rollout names the kind). Those
 * are waited for at most `optionalWaitMs`: listing CloneSets as v1alpha1 goes through kruise's
 * conversion webhook, and a kruise-manager that is down must not keep the controller (and so the
 * hold of every other workload) from starting. Releases of that kind wait until their cache syncs.
 */
export async function startCaches(caches: Caches, optionalWaitMs = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bounded = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, optionalWaitMs);
  });
  await Promise.all([
    ...required(caches).map((i) => i.start()),
    Promise.race([Promise.all(optional(caches).map((o) => o.probe())), bounded]),
  ]);
  clearTimeout(timer);
}

export async function stopCaches(caches: Caches): Promise<void> {
  await Promise.all([...required(caches).map((i) => i.stop()), ...optional(caches).map((o) => o.stop())]);
}
