// Keeps the webhook certificates current for the life of the process: load the shared PKI,
// renew what is due, store it (yielding to a replica that stored first), serve it, publish the
// CA bundle. It runs at start and then again at the next renewal point, and at least every
// `recheckMs` so a replica notices a rotation another replica made.
//
// A new CA is trusted before it is used: its bundle (new CA plus the one it replaces) is
// published and given `trustDelayMs` to reach the apiservers before the certificates it signed
// are stored, so neither this replica nor one loading them from the store ever serves a
// certificate the apiserver cannot verify yet.
import { type Clock, sleep, systemClock, type Timer } from "../kube/clock.js";
import { parseDuration } from "../kube/duration.js";
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
  /** How long a new CA is published before anything it signed is stored or served. */
  trustDelayMs?: number;
  /** Delay before trying again after a failed round (API server unreachable, say). */
  retryMs?: number;
  clock?: Clock;
  onError?: (error: unknown) => void;
}

/**
 * The lifetimes from --webhook-cert-lifetime and --webhook-ca-lifetime (Go durations), each
 * defaulting to `defaultLifetimes`. Short ones let a test watch several rotations.
 */
export function lifetimesFromFlags(serving: string | undefined, ca: string | undefined): CertLifetimes {
  const read = (flag: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch (error) {
      throw new Error(`${flag}: ${(error as Error).message}`);
    }
    if (ms < 3_000) throw new Error(`${flag}: ${text} is too short to rotate in time (at least 3s)`);
    return ms;
  };
  const caMs = read("--webhook-ca-lifetime", ca, defaultLifetimes.caMs);
  const servingMs = read("--webhook-cert-lifetime", serving, Math.min(defaultLifetimes.servingMs, caMs));
  if (servingMs > caMs)
    throw new Error(`--webhook-cert-lifetime (${serving}) must not exceed --webhook-ca-lifetime (${ca})`);
  return { caMs, servingMs };
}

/** The apiservers' informers see a webhook configuration or CRD change well within this. */
export const defaultTrustDelayMs = 10_000;

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
    if (stored.certs && certs.caCertPem !== stored.certs.caCertPem) await this.trust(certs, now);
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

  /** Publishes the bundle of a new CA and waits for the apiservers to pick it up. */
  private async trust(certs: WebhookCerts, now: number): Promise<void> {
    const bundle = caBundlePem(certs, now);
    await this.options.publish(bundle);
    this.published = bundle;
    await sleep(this.clock, this.options.trustDelayMs ?? defaultTrustDelayMs);
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
