// Per-key exponential backoff, as client-go's ItemExponentialFailureRateLimiter: the n-th
// consecutive failure of a key waits base·2ⁿ, capped, so one broken Rollout retries slowly
// while the others keep their pace. Success (`forget`) resets the key.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** client-go's DefaultControllerRateLimiter item backoff: 5 ms doubling up to 1000 s. */
export const controllerBackoff: BackoffOptions = { baseMs: 5, maxMs: 1_000_000 };

export class ItemBackoff {
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: BackoffOptions = controllerBackoff) {}

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity long after it passed the cap, so Math.min still holds.
    return Math.min(this.options.baseMs * 2 ** n, this.options.maxMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
