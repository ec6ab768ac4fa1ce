import type { Logger } from "pino";
import { isConflict, isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import type { KubeObject } from "../kube/object.js";
import type { ReconcileResult, WorkQueue } from "../kube/queue.js";
import { resourcePath } from "../kube/resource.js";
import { controllerRevisionHashLabel } from "../release/keys.js";
import type { Pod } from "../release/model.js";
import {
  type DaemonSet,
  daemonSetAdvancedControlAnnotation,
  ownedRevisions,
} from "../release/workloads/daemonset.js";
import type { EventSink } from "./act.js";
import type { Caches } from "./caches.js";
import { planDaemonSetDeletes, retryMs } from "./native-daemonset-plan.js";
import { listWorkloadPods } from "./observe-workload.js";

// The shell of the native-DaemonSet controller (upstream master pkg/controller/nativedaemonset):
// for a DaemonSet carrying the batch annotation, list its pods, plan, delete. The DaemonSet
// controller recreates each deleted pod on the new revision. Delete expectations live here, in
// memory, as upstream's do: after a restart the fresh pod list is the truth.

export interface NativeDaemonSetDeps {
  client: KubeClient;
  caches: Caches;
  events: EventSink;
  log: Logger;
}

const annotationOf = (ds: KubeObject) => ds.metadata?.annotations?.[daemonSetAdvancedControlAnnotation];

/** Enqueues a DaemonSet when its batch annotation changes, or its status while it has one. */
export function wireNativeDaemonSetEvents(caches: Caches, queue: WorkQueue): void {
  const key = (ds: KubeObject) => `${ds.metadata?.namespace ?? ""}/${ds.metadata?.name ?? ""}`;
  caches.daemonSets.addHandlers({
    add: (ds) => {
      if (annotationOf(ds)) queue.add(key(ds));
    },
    update: (old, ds) => {
      const changed = annotationOf(old) !== annotationOf(ds);
      // A resync (old === ds) retries a batch whose events were missed.
      const status = JSON.stringify(old.status) !== JSON.stringify(ds.status) || old === ds;
      if (changed || (annotationOf(ds) && status)) queue.add(key(ds));
    },
    delete: (ds) => queue.add(key(ds)),
  });
}

export function nativeDaemonSetReconciler(
  deps: NativeDaemonSetDeps,
): (key: string) => Promise<ReconcileResult> {
  const expectations = new Map<string, Map<string, number>>();
  return async (key) => {
    const ds = deps.caches.daemonSets.cache.get(key) as DaemonSet | undefined;
    if (!ds) {
      expectations.delete(key);
      return {};
    }
    if (!annotationOf(ds)) {
      expectations.delete(key);
      return {};
    }
    const namespace = ds.metadata.namespace ?? "";
    const pods = await listWorkloadPods(deps.client, namespace, ds);
    const [newest] = ownedRevisions(ds, deps.caches.controllerRevisions.cache.list(namespace));
    const currentRevision = newest?.metadata.labels?.[controllerRevisionHashLabel] ?? "";
    const plan = planDaemonSetDeletes(
      ds,
      pods,
      expectations.get(key) ?? new Map(),
      Date.now(),
      currentRevision,
    );
    const log = deps.log.child({ namespace, daemonSet: ds.metadata.name });
    const about = { apiVersion: "apps/v1", kind: "DaemonSet", namespace, name: ds.metadata.name ?? "" };
    if (plan.error) {
      log.warn({ error: plan.error }, "native DaemonSet batch not applied");
      return {};
    }
    expectations.set(key, plan.expectations);
    for (const pod of plan.deletes) await deletePod(deps.client, pod, expectations.get(key));
    for (const pod of plan.deletes) {
      deps.events.emit(
        {
          kind: "event",
          type: "Normal",
          reason: "PodDeleted",
          message: `Deleted pod ${namespace}/${pod.metadata.name ?? ""} for batch update`,
        },
        about,
      );
    }
    if (plan.deletes.length > 0 || plan.requeueAfterMs)
      log.debug({ message: plan.message }, "native DaemonSet");
    return plan.deletes.length > 0
      ? { requeueAfterMs: retryMs }
      : plan.requeueAfterMs
        ? { requeueAfterMs: plan.requeueAfterMs }
        : {};
  };
}

/** Deletes one pod, guarded by its uid; a failed delete is no longer expected. */
async function deletePod(client: KubeClient, pod: Pod, expected: Map<string, number> | undefined) {
  const uid = pod.metadata.uid ?? "";
  try {
    await client.request({
      method: "DELETE",
      path: resourcePath(
        { group: "", version: "v1", plural: "pods" },
        { namespace: pod.metadata.namespace, name: pod.metadata.name },
      ),
      body: { preconditions: { uid } },
    });
  } catch (err) {
    expected?.delete(uid);
    // Gone, or replaced by a pod of the same name (the uid precondition failed): nothing to do.
    if (!isNotFound(err) && !isConflict(err)) throw err;
  }
}
