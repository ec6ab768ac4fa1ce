import type { KubeObject } from "../kube/object.js";
import type { WorkQueue } from "../kube/queue.js";
import { canaryDeploymentLabel } from "../release/keys.js";
import type { BatchRelease } from "../release/model.js";
import type { Rollout } from "../rollout/model.js";
import { TrafficRoutingAnnotation } from "../rollout/well-known.js";
import type { Caches } from "./caches.js";

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

/**
 * Which keys a watch event concerns. A BatchRelease shares its Rollout's name; a
 * workload is matched to the Rollouts and BatchReleases that reference it by group,
 * kind and name (upstream ignores the version too); a canary Deployment or a
 * ReplicaSet counts as the Deployment it belongs to.
 */
export function wireEvents(
  caches: Caches,
  rolloutQueue: WorkQueue,
  releaseQueue: WorkQueue,
  trafficRoutingQueue: WorkQueue,
): void {
  const both = (key: string) => {
    rolloutQueue.add(key);
    releaseQueue.add(key);
  };
  const byWorkload = (namespace: string, apiVersion: string, kind: string, name: string) => {
    for (const r of caches.rollouts.cache.list(namespace) as Rollout[]) {
      const ref = r.spec.workloadRef;
      if (ref.kind === kind && ref.name === name && groupOf(ref.apiVersion) === groupOf(apiVersion)) {
        rolloutQueue.add(`${namespace}/${r.metadata.name}`);
      }
    }
    for (const br of caches.batchReleases.cache.list(namespace) as BatchRelease[]) {
      const ref = br.spec.workloadRef;
      if (ref.kind === kind && ref.name === name && groupOf(ref.apiVersion) === groupOf(apiVersion)) {
        releaseQueue.add(`${namespace}/${br.metadata.name}`);
      }
    }
  };
  const keyOf = (o: KubeObject) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
  const on = <T extends KubeObject>(fn: (o: T) => void) => ({
    add: fn,
    update: (_old: T, o: T) => fn(o),
    delete: fn,
  });

  caches.rollouts.addHandlers(on((o) => rolloutQueue.add(keyOf(o))));
  // A TrafficRouting wakes itself and the Rollouts that name it in their annotation.
  caches.trafficRoutings.addHandlers(
    on((tr) => {
      trafficRoutingQueue.add(keyOf(tr));
      const ns = tr.metadata?.namespace ?? "";
      for (const r of caches.rollouts.cache.list(ns) as Rollout[]) {
        if (r.metadata.annotations?.[TrafficRoutingAnnotation] === tr.metadata?.name)
          rolloutQueue.add(`${ns}/${r.metadata.name}`);
      }
    }),
  );
  caches.batchReleases.addHandlers(on((o) => both(keyOf(o))));
  const deploymentEvent = (d: KubeObject) => {
    const ns = d.metadata?.namespace ?? "";
    byWorkload(ns, "apps/v1", "Deployment", d.metadata?.name ?? "");
    const stable = d.metadata?.labels?.[canaryDeploymentLabel];
    if (stable) byWorkload(ns, "apps/v1", "Deployment", stable);
  };
  caches.deployments.addHandlers(on(deploymentEvent));
  caches.statefulSets.addHandlers(
    on((s) => byWorkload(s.metadata?.namespace ?? "", "apps/v1", "StatefulSet", s.metadata?.name ?? "")),
  );
  // OpenKruise kinds: their informers run only where the CRDs are installed. Once one has
  // synced, every Rollout and BatchRelease that names the kind is looked at again.
  const kruiseEvent = (kind: string) => (o: KubeObject) =>
    byWorkload(
      o.metadata?.namespace ?? "",
      o.apiVersion ?? "apps.kruise.io/v1alpha1",
      kind,
      o.metadata?.name ?? "",
    );
  const byKind = (kind: string) => () => {
    for (const r of caches.rollouts.cache.list() as Rollout[]) {
      const ref = r.spec.workloadRef;
      if (ref.kind === kind && groupOf(ref.apiVersion) === "apps.kruise.io")
        rolloutQueue.add(`${r.metadata.namespace}/${r.metadata.name}`);
    }
    for (const br of caches.batchReleases.cache.list() as BatchRelease[]) {
      const ref = br.spec.workloadRef;
      if (ref.kind === kind && groupOf(ref.apiVersion) === "apps.kruise.io")
        releaseQueue.add(`${br.metadata.namespace}/${br.metadata.name}`);
    }
  };
  caches.cloneSets.informer.addHandlers(on(kruiseEvent("CloneSet")));
  caches.cloneSets.onSynced(byKind("CloneSet"));
  caches.advancedStatefulSets.informer.addHandlers(on(kruiseEvent("StatefulSet")));
  caches.advancedStatefulSets.onSynced(byKind("StatefulSet"));
  caches.replicaSets.addHandlers(
    on((rs) => {
      const owner = (rs.metadata?.ownerReferences as { kind?: string; name?: string }[] | undefined)?.find(
        (o) => o.kind === "Deployment",
      );
      if (!owner?.name) return;
      const d = caches.deployments.cache.get(`${rs.metadata?.namespace ?? ""}/${owner.name}`);
      if (d) deploymentEvent(d);
    }),
  );
}
