import type { KubeClient } from "../kube/client.js";
import { Informer } from "../kube/informer.js";
import type { KubeObject } from "../kube/object.js";
import type { ResourceRef } from "../kube/resource.js";
import type { BatchRelease, Deployment, ReplicaSet, StatefulSet } from "../release/model.js";
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
  };
}

export async function startCaches(caches: Caches): Promise<void> {
  await Promise.all(Object.values(caches).map((i: Informer<KubeObject>) => i.start()));
}

export async function stopCaches(caches: Caches): Promise<void> {
  await Promise.all(Object.values(caches).map((i: Informer<KubeObject>) => i.stop()));
}
