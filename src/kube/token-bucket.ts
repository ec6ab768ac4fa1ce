// Client-side request throttling, as client-go's flowcontrol token bucket: `burst` requests go out
// at once, then `qps` per second. It protects the API server from a controller that enqueues
// thousands of keys after a re-list (Flagger degraded exactly there until QPS was tunable).
import { type Clock, sleep, systemClock } from "./clock.js";

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Callers served in arrival order, so a busy client cannot starve an early one. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`invalid rate limit: qps=${qps} burst=${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Resolves when the caller may send one request. */
  take(): Promise<void> {
    const turn = this.tail.then(() => this.waitForToken());
    this.tail = turn;
    return turn;
  }

  private async waitForToken(): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      await sleep(this.clock, Math.ceil(((1 - this.tokens) * 1000) / this.qps));
      this.refill();
    }
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
  }
}
