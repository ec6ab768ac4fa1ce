// Keeps the webhook certificates current for the life of the process: load the shared PKI,
// renew what is due, store it (yielding to a replica that stored first), serve it, publish the
// CA bundle. It runs at start and then again at the next renewal point, and at least every
// `recheckMs` so a replica notices a rotation another replica made.
import { type Clock, systemClock, type Timer } from "../kube/clock.js";
import type { CertStore } from "./cert-store.js";
import {
  type CertLifetimes,
  caBundlePem,
  defaultLifetimes,
  nextRenewalTime,
  renewWebhookCerts,
  type ServingIdentity,
  type WebhookCerts,
} from "./certs.js";
import type { ServingCert } from "./server.js";

export interface CertRotationOptions {
  store: CertStore;
  identity: ServingIdentity;
  /** Receives the serving pair whenever it changes (WebhookServer.setCertificate). */
  serve: (cert: ServingCert) => void;
  /** Writes the CA bundle where the apiserver reads it (publishCaBundle with the client bound). */
  publish: (caBundlePem: string) => Promise<void>;
  lifetimes?: CertLifetimes;
  recheckMs?: number;
  /** Delay before trying again after a failed round (API server unreachable, say). */
  retryMs?: number;
  clock?: Clock;
  onError?: (error: unknown) => void;
}

export class CertRotation {
  private readonly options: CertRotationOptions;
  private readonly clock: Clock;
  private timer: Timer | undefined;
  private served: string | undefined;
  private published: string | undefined;
  private stopped = false;

  constructor(options: CertRotationOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
  }

  /** One round; resolves with the certificates now in force. */
  async ensure(): Promise<WebhookCerts> {
    const now = this.clock.now();
    const { store, identity } = this.options;
    const stored = await store.load();
    const lifetimes = this.options.lifetimes ?? defaultLifetimes;
    let certs = await renewWebhookCerts(stored.certs, identity, now, lifetimes);
    if (certs !== stored.certs && !(await store.save(certs, stored.version))) {
      // Another replica stored first: serve theirs, so all replicas agree. Should theirs not
      // suit us, the next round renews it like any other due certificate.
      const theirs = (await store.load()).certs;
      if (!theirs) throw new Error("lost a race to store webhook certificates, yet none are stored");
      certs = theirs;
    }
    if (this.served !== certs.certPem) {
      this.options.serve({ certPem: certs.certPem, keyPem: certs.keyPem });
      this.served = certs.certPem;
    }
    const bundle = caBundlePem(certs, now);
    if (this.published !== bundle) {
      await this.options.publish(bundle);
      this.published = bundle;
    }
    return certs;
  }

  /** Runs `ensure` now and then on schedule until `stop`. Resolves after the first round. */
  async start(): Promise<WebhookCerts> {
    const certs = await this.ensure();
    this.schedule(this.delayAfter(certs));
    return certs;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private delayAfter(certs: WebhookCerts): number {
    const untilRenewal = nextRenewalTime(certs) - this.clock.now();
    return Math.max(1_000, Math.min(untilRenewal, this.options.recheckMs ?? 3_600_000));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => {
      this.ensure().then(
        (certs) => this.schedule(this.delayAfter(certs)),
        (error: unknown) => {
          this.options.onError?.(error);
          this.schedule(this.options.retryMs ?? 60_000);
        },
      );
    }, ms);
  }
}
