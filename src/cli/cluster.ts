// The CLI's reads and writes, all through the controller's own KubeClient (same credentials
// lookup, same User-Agent). Commands receive a Cluster so their tests can hand in a fake.
import { resources } from "../controller/caches.js";
import { resourceOf } from "../controller/kinds.js";
import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/resource.js";
import type { BatchRelease, Pod } from "../release/model.js";
import type { Rollout } from "../rollout/model.js";

export interface Workload {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    annotations?: Record<string, string>;
  };
  spec: { selector?: { matchLabels?: Record<string, string> }; template?: unknown; paused?: boolean };
}

export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string };
}

export interface Cluster {
  readonly namespace: string;
  getRollout(name: string): Promise<Rollout>;
  listRollouts(allNamespaces: boolean): Promise<Rollout[]>;
  getBatchRelease(name: string): Promise<BatchRelease | null>;
  getWorkload(rollout: Rollout): Promise<Workload | null>;
  listPods(selector: Record<string, string>): Promise<Pod[]>;
  listEvents(kind: string, name: string): Promise<KubeEvent[]>;
  /** Any other namespaced list (ReplicaSets, ControllerRevisions) for undo and history. */
  list<T>(apiVersion: string, kind: string, labelSelector?: string): Promise<T[]>;
  patchRollout(name: string, patch: unknown, subresource?: "status"): Promise<void>;
  patchWorkload(rollout: Rollout, patch: unknown, contentType: string): Promise<void>;
}

export function selectorString(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export function kubeCluster(client: KubeClient, namespace: string): Cluster {
  const rolloutPath = (name?: string, subresource?: string) =>
    resourcePath(resources.rollouts, {
      namespace,
      ...(name ? { name } : {}),
      ...(subresource ? { subresource } : {}),
    });
  const workloadPath = (rollout: Rollout) => {
    const ref = rollout.spec.workloadRef;
    return resourcePath(resourceOf(ref.apiVersion, ref.kind), { namespace, name: ref.name });
  };
  const list = async <T>(apiVersion: string, kind: string, labelSelector?: string): Promise<T[]> => {
    const path = resourcePath(resourceOf(apiVersion, kind), { namespace });
    const result = await client.request<{ items: T[] }>({
      method: "GET",
      path,
      ...(labelSelector ? { query: { labelSelector } } : {}),
    });
    return result.items;
  };
  return {
    namespace,
    getRollout: (name) => client.request<Rollout>({ method: "GET", path: rolloutPath(name) }),
    async listRollouts(allNamespaces) {
      const path = allNamespaces ? resourcePath(resources.rollouts) : rolloutPath();
      return (await client.request<{ items: Rollout[] }>({ method: "GET", path })).items;
    },
    async getBatchRelease(name) {
      const path = resourcePath(resources.batchReleases, { namespace, name });
      return client.request<BatchRelease>({ method: "GET", path }).catch((error: unknown) => {
        if (isNotFound(error)) return null;
        throw error;
      });
    },
    async getWorkload(rollout) {
      return client
        .request<Workload>({ method: "GET", path: workloadPath(rollout) })
        .catch((error: unknown) => {
          if (isNotFound(error)) return null;
          throw error;
        });
    },
    async listPods(selector) {
      const labelSelector = selectorString(selector);
      // An empty selector would list every pod of the namespace, which is never what a workload owns.
      return labelSelector ? list<Pod>("v1", "Pod", labelSelector) : [];
    },
    async listEvents(kind, name) {
      const fieldSelector = `involvedObject.kind=${kind},involvedObject.name=${name}`;
      const path = resourcePath({ group: "", version: "v1", plural: "events" }, { namespace });
      return (await client.request<{ items: KubeEvent[] }>({ method: "GET", path, query: { fieldSelector } }))
        .items;
    },
    list,
    async patchRollout(name, patch, subresource) {
      await client.request({
        method: "PATCH",
        path: rolloutPath(name, subresource),
        contentType: "application/merge-patch+json",
        body: patch,
      });
    },
    async patchWorkload(rollout, patch, contentType) {
      await client.request({ method: "PATCH", path: workloadPath(rollout), contentType, body: patch });
    },
  };
}
