// The rate-limited work queue between watch events and reconciles, with client-go's contract:
// - a key waits at most once (dedup), however many events name it;
// - a key is never reconciled by two workers at once; a key added while it is being reconciled
//   is marked dirty and runs again right after, so no event is lost;
// - a failed reconcile is retried after a per-key exponential backoff;
// - `addAfter` parks a key until a deadline (pause durations, readiness polls).
// Workers are not loops blocked on `get()`: the queue dispatches whenever a slot is free, which
// keeps the whole thing synchronous to reason about and deterministic under a fake clock.

import { type BackoffOptions, ItemBackoff } from "./backoff.js";
import { type Clock, systemClock, type Timer } from "./clock.js";

export interface ReconcileResult {
  /** Run this key again after this many milliseconds (and reset its failure backoff). */
  requeueAfterMs?: number;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a reconcile with nothing to requeue just returns, which TypeScript types as void
export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export interface WorkQueueOptions {
  reconcile: Reconcile;
  /** How many keys are reconciled concurrently (different keys only). */
  workers?: number;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** Told about every failed reconcile before it is retried with backoff. */
  onError?: (key: string, error: unknown) => void;
  /** Told how long a key waited for a worker, each time one takes it (queue latency metric). */
  onDequeue?: (key: string, waitedMs: number) => void;
}

interface Parked {
  at: number;
  timer: Timer;
}

export class WorkQueue {
  private readonly reconcile: Reconcile;
  private readonly workers: number;
  private readonly clock: Clock;
  private readonly backoff: ItemBackoff;
  private readonly onError: (key: string, error: unknown) => void;
  private readonly onDequeue: ((key: string, waitedMs: number) => void) | undefined;

  /** Keys waiting for a worker, in order. */
  private readonly waiting: string[] = [];
  /** Keys that need a reconcile: waiting ones, and processing ones that were re-added. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly parked = new Map<string, Parked>();
  /** When each waiting key joined `waiting`, for onDequeue. */
  private readonly waitingSince = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private started = false;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.reconcile = options.reconcile;
    this.workers = Math.max(1, options.workers ?? 1);
    this.clock = options.clock ?? systemClock;
    this.backoff = new ItemBackoff(options.backoff);
    this.onError = options.onError ?? (() => {});
    this.onDequeue = options.onDequeue;
  }

  /** Begins dispatching to workers. Keys added before this wait (like informer events before sync). */
  start(): void {
    this.started = true;
    this.dispatch();
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued when its current run finishes
    this.enqueue(key);
    this.dispatch();
  }

  /** Adds `key` once `ms` have passed; an earlier deadline for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.parked.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(() => {
      this.parked.delete(key);
      this.add(key);
    }, ms);
    this.parked.set(key, { at, timer });
  }

  /** Adds `key` after its exponential backoff, counting one more failure. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.backoff.next(key));
  }

  /** Clears the failure history of `key`, so its next failure backs off from the base again. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  numRequeues(key: string): number {
    return this.backoff.failuresOf(key);
  }

  /** Keys waiting for a worker (not counting those being reconciled or parked). */
  get length(): number {
    return this.waiting.length;
  }

  get processingCount(): number {
    return this.processing.size;
  }

  /**
   * Stops accepting keys, drops waiting and parked ones, and resolves once every reconcile already
   * running has finished. Dropping is safe because state lives in the cluster: whoever runs next
   * re-lists and enqueues everything.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.parked.values()) timer.cancel();
    this.parked.clear();
    this.waiting.length = 0;
    this.waitingSince.clear();
    this.dirty.clear();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private enqueue(key: string): void {
    this.waiting.push(key);
    this.waitingSince.set(key, this.clock.now());
  }

  private dispatch(): void {
    if (!this.started || this.shuttingDown) return;
    while (this.processing.size < this.workers && this.waiting.length > 0) {
      const key = this.waiting.shift() as string;
      this.onDequeue?.(key, this.clock.now() - (this.waitingSince.get(key) ?? this.clock.now()));
      this.waitingSince.delete(key);
      this.dirty.delete(key);
      this.processing.add(key);
      const run = this.run(key);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }
  }

  private async run(key: string): Promise<void> {
    try {
      const result = await this.reconcile(key);
      this.forget(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      this.onError(key, error);
      this.addRateLimited(key);
    } finally {
      this.processing.delete(key);
      if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
      this.dispatch();
    }
  }
}
