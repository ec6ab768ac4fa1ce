import type { KubeClient } from "../kube/client.js";
import { Informer } from "../kube/informer.js";
import type { KubeObject } from "../kube/object.js";
import type { ResourceRef } from "../kube/resource.js";
import type { BatchRelease, Deployment, ReplicaSet, StatefulSet } from "../release/model.js";
import type { ControllerRevision, DaemonSet } from "../release/workloads/daemonset.js";
import type { Rollout } from "../rollout/model.js";
import type { TrafficRoutingObject } from "../trafficrouting/plan.js";

const ref = (group: string, version: string, plural: string): ResourceRef => ({ group, version, plural });

export const resources = {
  rollouts: ref("rollouts.kruise.io", "v1beta1", "rollouts"),
  batchReleases: ref("rollouts.kruise.io", "v1beta1", "batchreleases"),
  deployments: ref("apps", "v1", "deployments"),
  statefulSets: ref("apps", "v1", "statefulsets"),
  replicaSets: ref("apps", "v1", "replicasets"),
  trafficRoutings: ref("rollouts.kruise.io", "v1alpha1", "trafficroutings"),
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
  daemonSets: Informer<DaemonSet & KubeObject>;
  /** Only the metadata and revision number: a native DaemonSet's revisions, by owner. */
  controllerRevisions: Informer<ControllerRevision & KubeObject>;
  /** Set once OpenKruise's DaemonSet CRD is served (see optional-caches.ts). */
  advancedDaemonSets?: Informer<DaemonSet & KubeObject>;
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
    daemonSets: make(resources.daemonSets),
    controllerRevisions: new Informer<ControllerRevision & KubeObject>({
      client,
      resource: resources.controllerRevisions,
      resyncMs,
      onError,
      transform: ({ data: _data, ...rest }: ControllerRevision & KubeObject & { data?: unknown }) => rest,
    }),
  };
}

export async function startCaches(caches: Caches): Promise<void> {
  await Promise.all(informers(caches).map((i) => i.start()));
}

export async function stopCaches(caches: Caches): Promise<void> {
  await Promise.all(informers(caches).map((i) => i.stop()));
}

function informers(caches: Caches): Informer<KubeObject>[] {
  return Object.values(caches).filter((i): i is Informer<KubeObject> => i !== undefined);
}
