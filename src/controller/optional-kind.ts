// A watch on a kind whose CRD may not be installed (OpenKruise's CloneSet and Advanced
// StatefulSet). The controller must run on clusters without OpenKruise, so such an informer
// starts only once discovery lists the kind: probed at start-up (and waited for, so no release
// sees its workload as gone while the cache fills), then again whenever a Rollout or
// BatchRelease names the kind, at most every `probeEveryMs`. Like upstream, which adds these
// watches when a Rollout first refers to the kind (AddWatcherDynamically); a CRD installed later
// is picked up without a restart. A CRD removed later is not noticed: the informer keeps
// retrying its list with backoff.
import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import { Informer } from "../kube/informer.js";
import type { KubeObject } from "../kube/object.js";
import type { ResourceRef } from "../kube/resource.js";

export type OptionalKindState = "absent" | "starting" | "synced";

export class OptionalKind<T extends KubeObject> {
  readonly informer: Informer<T>;
  private current: OptionalKindState = "absent";
  private probing: Promise<void> | undefined;
  private lastProbe = 0;
  private stopped = false;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly client: KubeClient,
    readonly resource: ResourceRef,
    resyncMs: number,
    onError: (err: unknown) => void,
    private readonly probeEveryMs = 5000,
  ) {
    this.informer = new Informer<T>({ client, resource, resyncMs, onError });
  }

  get state(): OptionalKindState {
    return this.current;
  }

  /** Called once the informer has synced after it was started. */
  onSynced(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Probes discovery and starts the informer if the kind is served; resolves when that is settled. */
  probe(): Promise<void> {
    if (this.current !== "absent" || this.stopped) return Promise.resolve();
    this.probing ??= this.probeOnce().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  /** A rate-limited probe for the reconcile path; never waits. */
  ensure(): void {
    if (this.current !== "absent" || this.probing || Date.now() - this.lastProbe < this.probeEveryMs) return;
    void this.probe();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.current !== "absent") await this.informer.stop();
  }

  private async probeOnce(): Promise<void> {
    this.lastProbe = Date.now();
    const { group, version, plural } = this.resource;
    let served = false;
    try {
      const list = await this.client.request<{ resources?: { name: string }[] }>({
        method: "GET",
        path: `/apis/${group}/${version}`,
      });
      served = (list.resources ?? []).some((r) => r.name === plural);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!served || this.stopped) return;
    this.current = "starting";
    if (await this.informer.start()) {
      this.current = "synced";
      for (const fn of this.listeners) fn();
    }
  }
}
