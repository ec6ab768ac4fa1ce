// List + watch of one resource into an ObjectCache, with client-go reflector semantics.
//
// Why not client-node's makeInformer/ListWatch: it cannot ask for watch bookmarks (so every
// reconnect after a quiet period risks a 410 and a full re-list), has no resync, never strips
// managedFields, gives update handlers no old object, and stops for good on the first non-410
// error. This file is the missing ~200 lines; the stream itself is KubeClient.watch.
//
// The loop: list (paginated) → remember the list's resourceVersion → watch from it with
// bookmarks, tracking the newest resourceVersion seen → when the server ends the watch (it does
// every timeoutSeconds), watch again from there. A 410 Gone — as an HTTP answer or as an ERROR
// event — means our resourceVersion was compacted away: re-list, and let the cache diff turn
// the gap into add/update/delete events. Any other failure retries with backoff, forever.
import { isGone } from "./api-error.js";
import { ItemBackoff } from "./backoff.js";
import { type CacheChange, ObjectCache, type ReadonlyCache, type Transform } from "./cache.js";
import type { KubeClient, Query, WatchEvent, WatchStream } from "./client.js";
import { type Clock, sleep, systemClock, type Timer } from "./clock.js";
import type { KubeList, KubeObject } from "./object.js";
import { type ResourceRef, resourcePath } from "./resource.js";

export interface InformerHandlers<T extends KubeObject> {
  add?(object: T): void;
  /** Also called on resync, with `old === object`. */
  update?(old: T, object: T): void;
  delete?(object: T): void;
}

export interface InformerOptions<T extends KubeObject> {
  client: KubeClient;
  resource: ResourceRef;
  /** Watch one namespace only; all namespaces when absent. */
  namespace?: string;
  /** Cache only matching objects, e.g. pods of workloads under a Rollout. */
  labelSelector?: string;
  fieldSelector?: string;
  /** Replays every cached object as an update this often, so missed work is retried; 0 = never. */
  resyncMs?: number;
  /** Page size of the list; pages keep a large re-list from being one huge response. */
  pageSize?: number;
  /** Trims objects further before caching (after managedFields are dropped). */
  transform?: Transform<T>;
  onError?: (error: unknown) => void;
  clock?: Clock;
  random?: () => number;
}

/** client-go reflector: watches last between 5 and 10 minutes, so reconnects spread out. */
const minWatchTimeoutSeconds = 300;
/** client-go reflector backoff after a failed list or watch: 800 ms doubling to 30 s. */
const failureBackoff = { baseMs: 800, maxMs: 30_000 };

export class Informer<T extends KubeObject> {
  private readonly options: InformerOptions<T>;
  private readonly store: ObjectCache<T>;
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly clock: Clock;
  private readonly stopping = new AbortController();
  private resourceVersion = "";
  private synced = false;
  private announceSync: (synced: boolean) => void = () => {};
  private readonly syncedOnce: Promise<boolean>;
  private stream: WatchStream | undefined;
  private resyncTimer: Timer | undefined;
  private loop: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    this.options = options;
    this.store = new ObjectCache<T>(options.transform);
    this.clock = options.clock ?? systemClock;
    this.syncedOnce = new Promise((resolve) => {
      this.announceSync = resolve;
    });
  }

  get cache(): ReadonlyCache<T> {
    return this.store;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** The newest resourceVersion seen (from a list, an event or a bookmark). */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  /** Starts the loop; resolves true once the first list is cached, false if stopped before that. */
  start(): Promise<boolean> {
    this.loop ??= this.run();
    return this.syncedOnce;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.stream?.abort();
    this.resyncTimer?.cancel();
    this.announceSync(false);
    await this.loop;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private get path(): string {
    const { namespace } = this.options;
    return resourcePath(this.options.resource, namespace ? { namespace } : {});
  }

  private get selectors(): Query {
    return { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector };
  }

  private async run(): Promise<void> {
    const backoff = new ItemBackoff(failureBackoff);
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        await this.watchFromLastVersion();
        backoff.forget("watch");
      } catch (error) {
        if (this.stopped) break;
        if (isGone(error)) {
          this.resourceVersion = "";
          continue;
        }
        this.report(error);
        await sleep(this.clock, backoff.next("watch"), this.stopping.signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let pageSize: number | undefined = this.options.pageSize ?? 500;
    let token: string | undefined;
    let listVersion = "";
    for (;;) {
      let page: KubeList<T>;
      try {
        page = await this.options.client.request<KubeList<T>>({
          method: "GET",
          path: this.path,
          query: { ...this.selectors, limit: pageSize, continue: token },
        });
      } catch (error) {
        // An expired continue token: start over with one unpaginated list, as client-go's pager does.
        if (token && isGone(error)) {
          items.length = 0;
          token = undefined;
          pageSize = undefined;
          continue;
        }
        throw error;
      }
      for (const item of page.items ?? []) items.push(withTypeFromList(item, page));
      listVersion = page.metadata?.resourceVersion ?? "";
      token = page.metadata?.continue || undefined;
      if (!token) break;
    }
    if (this.stopped) return;
    const changes = this.store.replace(items);
    this.resourceVersion = listVersion;
    for (const change of changes) this.emit(change);
    if (!this.synced) {
      this.synced = true;
      this.announceSync(true);
      this.scheduleResync();
    }
  }

  private async watchFromLastVersion(): Promise<void> {
    const random = this.options.random ?? Math.random;
    const timeoutSeconds = Math.floor(minWatchTimeoutSeconds * (1 + random()));
    const query: Query = {
      ...this.selectors,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
    };
    // The server closes the stream after timeoutSeconds; silence well beyond that means a dead
    // connection, which the idle timeout turns into an error and a reconnect.
    const idleTimeoutMs = (timeoutSeconds + 30) * 1000;
    this.stream = this.options.client.watch<T>(this.path, query, (event) => this.apply(event), idleTimeoutMs);
    await this.stream.done;
  }

  private apply(event: WatchEvent<T>): void {
    if (this.stopped) return;
    let change: CacheChange<T> | undefined;
    if (event.type === "ADDED" || event.type === "MODIFIED") change = this.store.upsert(event.object);
    else if (event.type === "DELETED") change = this.store.remove(event.object);
    // BOOKMARK carries only a resourceVersion: the point of it is the line below.
    const version = event.object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (change) this.emit(change);
  }

  private scheduleResync(): void {
    const every = this.options.resyncMs ?? 0;
    if (every <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimer(() => {
      for (const object of this.store.list()) this.emit({ type: "update", old: object, object });
      this.scheduleResync();
    }, every);
  }

  private emit(change: CacheChange<T>): void {
    if (this.stopped) return;
    for (const handler of this.handlers) {
      try {
        if (change.type === "add") handler.add?.(change.object);
        else if (change.type === "update") handler.update?.(change.old, change.object);
        else handler.delete?.(change.object);
      } catch (error) {
        // A throwing handler must not break the watch for every other handler.
        this.report(error);
      }
    }
  }

  private report(error: unknown): void {
    this.options.onError?.(error);
  }
}

/** List items of built-in kinds come without apiVersion/kind; give them the list's. */
function withTypeFromList<T extends KubeObject>(item: T, list: KubeList<T>): T {
  if (item.kind && item.apiVersion) return item;
  const kind = list.kind?.replace(/List$/, "");
  return { ...item, apiVersion: item.apiVersion ?? list.apiVersion, kind: item.kind ?? kind };
}
