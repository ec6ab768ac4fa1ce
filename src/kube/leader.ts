// Leader election on a Lease, so that of several replicas exactly one reconciles while the others
// stand by (warm caches, webhooks still served by all). Timings and their meaning follow client-go:
// a leader renews every retry period; if it cannot renew for the renew deadline it gives up
// leadership before the lease duration runs out, so a successor never overlaps with it.
import { isAlreadyExists, isConflict, isNotFound } from "./api-error.js";
import type { KubeClient } from "./client.js";
import { type Clock, sleep, systemClock } from "./clock.js";
import { decideLease, type Lease, type LeaseObservation, observe, releasedSpec } from "./lease.js";
import { leases, resourcePath } from "./resource.js";

export interface LeaderElectionTiming {
  /** How long a lease holds without renewal before others may take it. */
  leaseDurationMs: number;
  /** How long the leader keeps retrying a failed renewal before it steps down. */
  renewDeadlineMs: number;
  /** Pause between attempts to acquire or renew. */
  retryPeriodMs: number;
}

export const defaultLeaderElectionTiming: LeaderElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export interface LeaderCallbacks {
  /**
   * Leadership begins: start the controllers. `signal` aborts when leadership ends. A returned
   * promise is awaited (work drained) before the lease is released on a graceful stop.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Leadership ended, lost or released. After a loss the process should exit. */
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions extends LeaderCallbacks {
  client: KubeClient;
  namespace: string;
  /** The Lease name, i.e. the election id. */
  name: string;
  /** Unique per replica, e.g. the pod name plus a random suffix. */
  identity: string;
  timing?: Partial<LeaderElectionTiming>;
  clock?: Clock;
  onError?(error: unknown): void;
}

/** client-go's JitterFactor for the acquire loop, so standbys don't retry in lockstep. */
const jitterFactor = 1.2;

export class LeaderElector {
  private readonly options: LeaderElectorOptions;
  private readonly timing: LeaderElectionTiming;
  private readonly clock: Clock;
  private readonly stopping = new AbortController();
  private observation: LeaseObservation | undefined;
  private knownLeader = "";
  private leading = false;
  private running: Promise<void> | undefined;

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.timing = { ...defaultLeaderElectionTiming, ...options.timing };
    this.clock = options.clock ?? systemClock;
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.timing;
    if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > jitterFactor * retryPeriodMs)) {
      throw new Error("leader election needs leaseDuration > renewDeadline > 1.2 × retryPeriod");
    }
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns, then leads until leadership is lost or `stop()` is called. */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  /** Stops campaigning; a leader drains its work and releases the lease. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async campaign(): Promise<void> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) break;
      const jitter = 1 + Math.random() * jitterFactor;
      await sleep(this.clock, this.timing.retryPeriodMs * jitter, this.stopping.signal);
    }
    if (this.stopped) return;
    await this.lead();
  }

  private async lead(): Promise<void> {
    this.leading = true;
    const leadership = new AbortController();
    const work = Promise.resolve(this.options.onStartedLeading(leadership.signal)).catch((error: unknown) =>
      this.report(error),
    );
    let lastRenew = this.clock.now();
    while (!this.stopped) {
      await sleep(this.clock, this.timing.retryPeriodMs, this.stopping.signal);
      if (this.stopped) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.clock.now();
      } else if (this.clock.now() - lastRenew >= this.timing.renewDeadlineMs) {
        break; // lost: someone else may hold it, so do not release
      }
    }
    leadership.abort();
    const graceful = this.stopped;
    if (graceful) {
      await work;
      await this.release();
    }
    this.leading = false;
    this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    try {
      const current = await this.readLease();
      const now = this.clock.now();
      this.observation = observe(this.observation, current?.spec, now);
      const decision = decideLease(
        current?.spec,
        this.observation,
        this.options.identity,
        now,
        this.timing.leaseDurationMs,
      );
      if (decision.kind === "held-by-other") {
        this.noticeLeader(decision.holder);
        return false;
      }
      const written = current
        ? await this.writeLease("PUT", { ...current, spec: decision.spec })
        : await this.writeLease("POST", {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name: this.options.name, namespace: this.options.namespace },
            spec: decision.spec,
          });
      this.observation = observe(undefined, written.spec, this.clock.now());
      this.noticeLeader(this.options.identity);
      return true;
    } catch (error) {
      // Losing a race to another candidate is the normal way to not be leader, not an error.
      if (!isConflict(error) && !isAlreadyExists(error)) this.report(error);
      return false;
    }
  }

  private async release(): Promise<void> {
    try {
      const current = await this.readLease();
      if (current?.spec?.holderIdentity !== this.options.identity) return;
      await this.writeLease("PUT", { ...current, spec: releasedSpec(current.spec, this.clock.now()) });
    } catch (error) {
      this.report(error);
    }
  }

  private async readLease(): Promise<Lease | undefined> {
    const { namespace, name } = this.options;
    try {
      return await this.options.client.request<Lease>({
        method: "GET",
        path: resourcePath(leases, { namespace, name }),
        timeoutMs: this.timing.renewDeadlineMs,
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** PUT carries the resourceVersion we read, so two candidates can never both win one round. */
  private writeLease(method: "POST" | "PUT", lease: Lease): Promise<Lease> {
    const { namespace, name } = this.options;
    return this.options.client.request<Lease>({
      method,
      path: resourcePath(leases, method === "PUT" ? { namespace, name } : { namespace }),
      body: lease,
      timeoutMs: this.timing.renewDeadlineMs,
    });
  }

  private noticeLeader(identity: string): void {
    if (identity === this.knownLeader) return;
    this.knownLeader = identity;
    this.options.onNewLeader?.(identity);
  }

  private report(error: unknown): void {
    this.options.onError?.(error);
  }
}
