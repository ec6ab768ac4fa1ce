// The leader-election rules of client-go's tryAcquireOrRenew, as a pure decision over a
// coordination.k8s.io/v1 Lease. Expiry is judged by our own clock from the moment we first saw
// the current record, never from the renewTime the holder wrote, so clock skew between replicas
// cannot make two of them leader.
import type { KubeObject } from "./object.js";

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaseObservation {
  /** The record as last seen, serialised, to notice when the holder renews. */
  record: string;
  /** Our clock when that record was first seen. */
  at: number;
}

export type LeaseDecision =
  | { kind: "held-by-other"; holder: string }
  /** Write this spec (create or update): we acquire or renew. */
  | { kind: "write"; spec: LeaseSpec };

/** MicroTime as the apiserver writes it: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Updates what we know about the record: a changed record restarts its expiry countdown. */
export function observe(
  previous: LeaseObservation | undefined,
  spec: LeaseSpec | undefined,
  now: number,
): LeaseObservation {
  const record = JSON.stringify(spec ?? {});
  return previous?.record === record ? previous : { record, at: now };
}

export function decideLease(
  current: LeaseSpec | undefined,
  observation: LeaseObservation,
  identity: string,
  now: number,
  leaseDurationMs: number,
): LeaseDecision {
  const holder = current?.holderIdentity ?? "";
  const durationMs = (current?.leaseDurationSeconds ?? leaseDurationMs / 1000) * 1000;
  if (holder && holder !== identity && observation.at + durationMs > now) {
    return { kind: "held-by-other", holder };
  }
  const renewing = holder === identity;
  return {
    kind: "write",
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(leaseDurationMs / 1000),
      acquireTime: renewing && current?.acquireTime ? current.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (current?.leaseTransitions ?? 0) + (renewing || !current ? 0 : 1),
    },
  };
}

/** What a leader writes when it steps down, so a successor need not wait for expiry. */
export function releasedSpec(current: LeaseSpec | undefined, now: number): LeaseSpec {
  return {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: microTime(now),
    renewTime: microTime(now),
    leaseTransitions: current?.leaseTransitions ?? 0,
  };
}
