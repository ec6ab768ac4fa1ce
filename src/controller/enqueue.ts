import type { Informer } from "../kube/informer.js";
import type { KubeObject } from "../kube/object.js";
import type { WorkQueue } from "../kube/queue.js";
import { canaryDeploymentLabel } from "../release/keys.js";
import type { BatchRelease } from "../release/model.js";
import type { Rollout } from "../rollout/model.js";
import { TrafficRoutingAnnotation } from "../rollout/well-known.js";
import type { Caches } from "./caches.js";

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

/** Wires a workload informer started later (one whose CRD appeared after start). */
export type WireWorkload = <T extends KubeObject>(
  informer: Informer<T>,
  apiVersion: string,
  kind: string,
) => void;

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
): WireWorkload {
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
  const wireWorkload: WireWorkload = (informer, apiVersion, kind) =>
    informer.addHandlers(
      on((w) => byWorkload(w.metadata?.namespace ?? "", apiVersion, kind, w.metadata?.name ?? "")),
    );
  wireWorkload(caches.statefulSets, "apps/v1", "StatefulSet");
  wireWorkload(caches.daemonSets, "apps/v1", "DaemonSet");
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
  return wireWorkload;
}
