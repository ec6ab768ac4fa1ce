import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import { Informer } from "../kube/informer.js";
import type { KubeObject } from "../kube/object.js";
import type { ResourceRef } from "../kube/resource.js";
import type { DaemonSet } from "../release/workloads/daemonset.js";
import { type Caches, resources } from "./caches.js";

// Informers for kinds whose CRD may not be installed (OpenKruise's Advanced DaemonSet). An
// informer on a resource that is not served would never sync and would hold every other cache
// back, so it is started only once discovery lists the resource. Upstream checks once at start;
// we keep looking, so installing OpenKruise after the controller needs no restart.

const pollMs = 15_000;

/** Whether the API server serves `resource` (group-version discovery). */
export async function isServed(client: KubeClient, resource: ResourceRef): Promise<boolean> {
  try {
    const list = await client.request<{ resources?: { name: string }[] }>({
      method: "GET",
      path: `/apis/${resource.group}/${resource.version}`,
    });
    return (list.resources ?? []).some((r) => r.name === resource.plural);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export interface OptionalCachesOptions {
  client: KubeClient;
  caches: Caches;
  resyncMs: number;
  onError: (err: unknown) => void;
  /** Called once the informer is synced, to wire its events. */
  onStarted: (informer: Informer<DaemonSet & KubeObject>) => void;
}

/**
 * Starts the Advanced DaemonSet informer when its CRD is served. `ready` settles after the first
 * look (and the informer's sync, if the CRD was there): reconciling before it would take an
 * existing Advanced DaemonSet for a deleted one and finalize its release.
 */
export function watchOptionalCaches(opts: OptionalCachesOptions): {
  ready: Promise<void>;
  stop: () => Promise<void>;
} {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let started: Informer<DaemonSet & KubeObject> | undefined;
  const check = async () => {
    if (stopped || opts.caches.advancedDaemonSets) return;
    try {
      if (await isServed(opts.client, resources.advancedDaemonSets)) {
        const informer = new Informer<DaemonSet & KubeObject>({
          client: opts.client,
          resource: resources.advancedDaemonSets,
          resyncMs: opts.resyncMs,
          onError: opts.onError,
        });
        started = informer;
        opts.onStarted(informer);
        if (await informer.start()) opts.caches.advancedDaemonSets = informer;
        return;
      }
    } catch (err) {
      opts.onError(err);
    }
    if (!stopped) timer = setTimeout(() => void check(), pollMs);
  };
  const ready = check();
  return {
    ready,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ready;
      await started?.stop();
    },
  };
}
