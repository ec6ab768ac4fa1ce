import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.js";
import type { ReconcileResult } from "../kube/queue.js";
import { canaryDeploymentLabel } from "../release/keys.js";
import type { BatchRelease } from "../release/model.js";
import { planBatchRelease } from "../release/plan.js";
import { act, type EventSink } from "./act.js";
import { type Caches, resources } from "./caches.js";
import { listHorizontalPodAutoscalers } from "./observe-hpa.js";
import { findWorkload, listWorkloadPods, workloadCacheReady } from "./observe-workload.js";
import { writeStatus } from "./status-patch.js";

export interface ReleaseReconcilerDeps {
  client: KubeClient;
  caches: Caches;
  events: EventSink;
  log: Logger;
  legacyBatchLabels: boolean;
}

/**
 * One BatchRelease: observe its workload (pods read on demand), plan, then write the
 * workload changes and the status. Upstream's in-memory "canary Deployment creation
 * expectation" lives here, since it is about our own cache lagging our own writes.
 */
export function releaseReconciler(deps: ReleaseReconcilerDeps): (key: string) => Promise<ReconcileResult> {
  const canaryCreatedAt = new Map<string, number>();
  return async (key) => {
    const release = deps.caches.batchReleases.cache.get(key) as BatchRelease | undefined;
    if (!release) {
      canaryCreatedAt.delete(key);
      return {};
    }
    // An OpenKruise watch still filling its cache would make the workload look deleted.
    if (!workloadCacheReady(deps.caches, release.spec.workloadRef)) return { requeueAfterMs: 1000 };
    const namespace = release.metadata.namespace;
    const log = deps.log.child({ namespace, batchRelease: release.metadata.name });
    const workload = findWorkload(deps.caches, namespace, release.spec.workloadRef);
    const pods = workload ? await listWorkloadPods(deps.client, namespace, workload) : [];
    const deployments = deps.caches.deployments.cache.list(namespace);
    const hpas =
      release.spec.releasePlan.rollingStyle === "BlueGreen"
        ? { horizontalPodAutoscalers: await listHorizontalPodAutoscalers(deps.client, namespace) }
        : {};
    const created = canaryCreatedAt.get(key);
    const canarySeen = deployments.some(
      (d) => d.metadata.labels?.[canaryDeploymentLabel] === release.spec.workloadRef.name,
    );
    if (created !== undefined && (canarySeen || Date.now() - created > 30_000)) canaryCreatedAt.delete(key);
    const plan = planBatchRelease(
      {
        release,
        ...(workload ? { workload } : {}),
        replicaSets: deps.caches.replicaSets.cache.list(namespace),
        deployments,
        controllerRevisions: deps.caches.controllerRevisions.cache.list(namespace),
        pods,
        canaryCreationPending: canaryCreatedAt.has(key),
        legacyBatchLabels: deps.legacyBatchLabels,
        ...hpas,
      },
      new Date(),
    );
    const target = {
      apiVersion: "rollouts.kruise.io/v1beta1",
      kind: "BatchRelease",
      namespace,
      name: release.metadata.name,
    };
    await act(deps.client, plan.actions, deps.events, target);
    if (plan.actions.some((a) => a.kind === "create" && a.object.kind === "Deployment"))
      canaryCreatedAt.set(key, Date.now());
    if (plan.statusChanged) await writeStatus(deps.client, resources.batchReleases, release, plan.status);
    const batch = (plan.status.canaryStatus?.currentBatch ?? 0) + 1;
    if (plan.retry) log.debug({ batch, reason: plan.retry }, "release step not done yet");
    return plan.requeueAfterMs !== undefined
      ? { requeueAfterMs: plan.requeueAfterMs }
      : plan.retry
        ? { requeueAfterMs: 2000 }
        : {};
  };
}
