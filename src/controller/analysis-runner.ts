import { emptyMetric } from "../analysis/evaluate.js";
import type { MetricStatus, Observation } from "../analysis/model.js";

// Provider queries run here, off the reconcile path: a reconcile asks for the measurements that
// are due and gets back those already taken, while the others run in the background with bounded
// concurrency. When one finishes, its Rollout is enqueued again and the next pass folds it in.
// A slow or unreachable Prometheus then holds a measurement slot, never a reconcile worker.
//
// A measurement is named by its slot: the Rollout's key, the run, the metric and how far the
// persisted status has counted it (measurementSlot). A slot is measured at most once (the dedup),
// and its result stays until a pass of that Rollout no longer asks for the slot — which happens
// once a status write recorded it (the slot moved on) or the run ended. A pass whose status write fails hands
// the same result over again instead of measuring again; a stale pass cannot count it twice,
// because its guarded status write conflicts.

export interface Taken {
  at: string;
  observation: Observation;
}

export interface Wanted {
  slot: string;
  /** The provider's host:port, for the per-provider limit. */
  origin: string;
  measure: () => Promise<Observation>;
}

export interface RunnerOptions {
  /** Measurements in flight at once, over all Rollouts. */
  concurrency: number;
  /**
   * Measurements in flight at once against one provider (host:port), default 4: a provider that
   * hangs holds that many slots until its timeout, and the other providers keep the rest.
   */
  perOrigin?: number;
  /** Told when a measurement of `key` has finished (enqueue the Rollout). */
  onDone: (key: string) => void;
  /** Results nobody asked for this long are dropped (a Rollout deleted meanwhile). */
  keepMs?: number;
  now?: () => number;
}

interface Entry {
  result?: Taken;
  /** When the result arrived, or when the slot was last asked for. */
  touched: number;
}

/**
 * The slot of a metric's next measurement in a run. `lastMeasuredAt` alone is not enough: it has
 * second precision, and with a sub-second interval two folds can share it. Each fold either counts
 * a measurement (and zeroes the uncounted streak) or adds to the streak, so (counted, streak) grows
 * with every fold and the slot never repeats within a run.
 */
export function measurementSlot(
  run: { stepIndex?: number; canaryRevision: string; startedAt: string },
  metric: string,
  status: MetricStatus | undefined,
): string {
  const which = run.stepIndex === undefined ? "background" : `step ${run.stepIndex}`;
  // A metric not in the status yet is the same slot as its empty entry: the pass that first
  // measures it also writes that entry, and the next pass must not see a new slot and measure twice.
  const s = status ?? emptyMetric(metric);
  const folds = `${s.lastMeasuredAt ?? "-"} ${s.successful + s.failed + s.inconclusive}/${s.consecutiveUncounted}`;
  return `${which} ${run.canaryRevision} ${run.startedAt} ${metric} ${folds}`;
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

export class MeasurementRunner {
  private readonly byKey = new Map<string, Map<string, Entry>>();
  private readonly queue: (Wanted & { key: string })[] = [];
  private running = 0;
  private readonly byOrigin = new Map<string, number>();
  private readonly perOrigin: number;
  private readonly keepMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RunnerOptions) {
    this.keepMs = options.keepMs ?? 600_000;
    this.perOrigin = options.perOrigin ?? 4;
    this.now = options.now ?? Date.now;
  }

  /**
   * One pass of Rollout `key`: the results of the slots in `wanted` that are in, and which are
   * still being measured (started now if they were not). Results of slots not wanted any more
   * are dropped.
   */
  pass(key: string, wanted: Wanted[]): { taken: Map<string, Taken>; measuring: Set<string> } {
    const now = this.now();
    this.sweep(now);
    const entries = this.byKey.get(key) ?? new Map<string, Entry>();
    const asked = new Set(wanted.map((w) => w.slot));
    for (const [slot, entry] of entries) if (entry.result && !asked.has(slot)) entries.delete(slot);
    const taken = new Map<string, Taken>();
    const measuring = new Set<string>();
    for (const w of wanted) {
      const entry = entries.get(w.slot);
      if (entry?.result) {
        taken.set(w.slot, entry.result);
        continue;
      }
      measuring.add(w.slot);
      if (entry) {
        entry.touched = now;
        continue;
      }
      entries.set(w.slot, { touched: now });
      this.queue.push({ key, ...w });
    }
    if (entries.size > 0) this.byKey.set(key, entries);
    else this.byKey.delete(key);
    this.dispatch();
    return { taken, measuring };
  }

  /** Measurements queued or in flight, for tests and metrics. */
  get pending(): number {
    return this.queue.length + this.running;
  }

  /** Starts queued jobs in order, skipping those whose provider is at its limit. */
  private dispatch(): void {
    for (let i = 0; i < this.queue.length && this.running < this.options.concurrency; ) {
      const job = this.queue[i] as (typeof this.queue)[number];
      const atOrigin = this.byOrigin.get(job.origin) ?? 0;
      if (atOrigin >= this.perOrigin) {
        i += 1;
        continue;
      }
      this.queue.splice(i, 1);
      this.running += 1;
      this.byOrigin.set(job.origin, atOrigin + 1);
      void this.run(job);
    }
  }

  private async run(job: (typeof this.queue)[number]): Promise<void> {
    let observation: Observation;
    try {
      observation = await job.measure();
    } catch (err) {
      // Providers return errors as observations; anything thrown is still only an error reading.
      observation = { kind: "error", message: (err as Error).message ?? String(err) };
    }
    this.running -= 1;
    const atOrigin = (this.byOrigin.get(job.origin) ?? 1) - 1;
    if (atOrigin > 0) this.byOrigin.set(job.origin, atOrigin);
    else this.byOrigin.delete(job.origin);
    const entry = this.byKey.get(job.key)?.get(job.slot);
    if (entry) {
      const now = this.now();
      entry.result = { at: stamp(now), observation };
      entry.touched = now;
    }
    this.dispatch();
    if (entry) this.options.onDone(job.key);
  }

  private sweep(now: number): void {
    for (const [key, entries] of this.byKey) {
      for (const [slot, entry] of entries) {
        if (entry.result && now - entry.touched > this.keepMs) entries.delete(slot);
      }
      if (entries.size === 0) this.byKey.delete(key);
    }
  }
}
