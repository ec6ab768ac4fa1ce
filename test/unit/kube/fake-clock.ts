// A manual clock: timers fire only when a test advances time, in deadline order, with pending
// promise callbacks run between them so async work triggered by a timer settles before the next.
import type { Clock, Timer } from "../../../src/kube/clock.js";

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly pending = new Set<Pending>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const entry = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.add(entry);
    return { cancel: () => this.pending.delete(entry) };
  }

  /** Deadlines of the timers not yet fired, relative to now. */
  pendingDelays(): number[] {
    return [...this.pending].sort((a, b) => a.at - b.at || a.seq - b.seq).map((p) => p.at - this.time);
  }

  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      const next = [...this.pending]
        .filter((p) => p.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending.delete(next);
      this.time = next.at;
      next.fn();
      await settle();
    }
    this.time = target;
  }
}

/** Lets every already-scheduled promise continuation run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
