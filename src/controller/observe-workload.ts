import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/resource.js";
import type { CloneSet, Deployment, Pod, ReplicaSet, StatefulSet } from "../release/model.js";
import { cloneSetState, isCloneSetKind } from "../release/workloads/cloneset.js";
import { canaryDeploymentState } from "../release/workloads/deployment.js";
import { partitionDeploymentState } from "../release/workloads/deployment-partition.js";
import { isStatefulSetKind, statefulSetState } from "../release/workloads/statefulset.js";
import type { WorkloadState } from "../release/workloads/workload-state.js";
import type { ObjectRef } from "../rollout/model.js";
import type { WorkloadView } from "../rollout/observed.js";
import type { Caches } from "./caches.js";
import type { OptionalKind } from "./optional-kind.js";

export type Workload = Deployment | StatefulSet | CloneSet;

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

/** The OpenKruise watch a reference needs, if any (any version of the group, as upstream). */
function kruiseKind(caches: Caches, ref: ObjectRef): OptionalKind<CloneSet | StatefulSet> | undefined {
  if (isCloneSetKind(ref)) return caches.cloneSets;
  if (ref.kind === "StatefulSet" && groupOf(ref.apiVersion) === "apps.kruise.io")
    return caches.advancedStatefulSets;
  return undefined;
}

/**
 * Whether the cache that would hold the referenced workload is synced, so that "not found"
 * means it does not exist. False while an OpenKruise watch is starting; for a kind whose CRD is
 * not installed it is true (the workload cannot exist), and a probe for the CRD is started.
 */
export function workloadCacheReady(caches: Caches, ref: ObjectRef): boolean {
  const kind = kruiseKind(caches, ref);
  if (!kind) return true;
  kind.ensure();
  return kind.state !== "starting";
}

/** The workload a reference names, from the caches; undefined when it does not exist. */
export function findWorkload(caches: Caches, namespace: string, ref: ObjectRef): Workload | undefined {
  const key = `${namespace}/${ref.name}`;
  if (ref.kind === "Deployment" && ref.apiVersion === "apps/v1") return caches.deployments.cache.get(key);
  if (ref.kind === "StatefulSet" && ref.apiVersion === "apps/v1") return caches.statefulSets.cache.get(key);
  const kind = kruiseKind(caches, ref);
  if (!kind) return undefined;
  kind.ensure();
  return kind.state === "synced" ? kind.informer.cache.get(key) : undefined;
}

/** The normalised state of a workload, by kind and rolling style (upstream's controller finder). */
export function workloadState(
  caches: Caches,
  namespace: string,
  ref: ObjectRef,
  realCanary: boolean,
): WorkloadState | undefined {
  const w = findWorkload(caches, namespace, ref);
  if (!w) return undefined;
  if (ref.kind === "Deployment") {
    const d = w as Deployment;
    const replicaSets = caches.replicaSets.cache.list(namespace);
    if (realCanary) return canaryDeploymentState(d, replicaSets, caches.deployments.cache.list(namespace));
    return partitionDeploymentState(d, replicaSets);
  }
  if (isCloneSetKind(ref)) return cloneSetState(w as CloneSet);
  if (isStatefulSetKind(ref)) return statefulSetState(w as StatefulSet, []);
  return undefined;
}

export function toView(state: WorkloadState): WorkloadView {
  return {
    ref: {
      apiVersion: state.target.apiVersion,
      kind: state.target.kind,
      name: state.target.name,
      namespace: state.target.namespace ?? "",
    },
    uid: state.uid,
    generation: state.generation,
    statusConsistent: state.revisions.consistent,
    replicas: state.replicas,
    stableRevision: state.revisions.stableRevision,
    canaryRevision: state.revisions.canaryRevision,
    podTemplateHash: state.revisions.podTemplateHash,
    revisionLabelKey: state.revisions.revisionLabelKey,
    inProgressing: state.revisions.inRolloutProgressing,
    isRollback: state.revisions.isInRollback,
    labels: state.labels,
  };
}

function selectorString(matchLabels: Record<string, string> | undefined): string {
  return Object.entries(matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/**
 * The pods of one workload, read from the API with its label selector when a release
 * needs them rather than cached for the whole cluster.
 */
export async function listWorkloadPods(
  client: KubeClient,
  namespace: string,
  workload: Workload,
): Promise<Pod[]> {
  const labelSelector = selectorString(workload.spec.selector?.matchLabels);
  if (!labelSelector) return [];
  const list = await client.request<{ items: Pod[] }>({
    method: "GET",
    path: resourcePath({ group: "", version: "v1", plural: "pods" }, { namespace }),
    query: { labelSelector },
  });
  return list.items;
}

export function replicaSetsOf(caches: Caches, namespace: string): ReplicaSet[] {
  return caches.replicaSets.cache.list(namespace);
}
