import { describe, expect, it } from "vitest";
import { decideLease, type LeaseSpec, microTime, observe, releasedSpec } from "../../../src/kube/lease.js";

const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const leaseMs = 15_000;

describe("lease decisions", () => {
  it("writes MicroTime with six fractional digits", () => {
    expect(microTime(t0 + 123)).toBe("2026-01-01T00:00:00.123000Z");
  });

  it("creates a fresh lease with no transitions", () => {
    const decision = decideLease(undefined, observe(undefined, undefined, t0), "me", t0, leaseMs);
    expect(decision).toEqual({
      kind: "write",
      spec: {
        holderIdentity: "me",
        leaseDurationSeconds: 15,
        acquireTime: microTime(t0),
        renewTime: microTime(t0),
        leaseTransitions: 0,
      },
    });
  });

  it("waits while another holder's record is younger than its lease duration, by our clock", () => {
    const theirs: LeaseSpec = {
      holderIdentity: "other",
      leaseDurationSeconds: 15,
      // A renewTime far in the past must not matter: only when we saw the record counts.
      renewTime: "2020-01-01T00:00:00.000000Z",
      leaseTransitions: 3,
    };
    const seen = observe(undefined, theirs, t0);
    expect(decideLease(theirs, seen, "me", t0 + 14_999, leaseMs)).toEqual({
      kind: "held-by-other",
      holder: "other",
    });
    const later = observe(seen, theirs, t0 + 15_000);
    expect(later.at).toBe(t0);
    const takeover = decideLease(theirs, later, "me", t0 + 15_000, leaseMs);
    expect(takeover.kind === "write" && takeover.spec.leaseTransitions).toBe(4);
  });

  it("restarts the countdown when the holder renews", () => {
    const first: LeaseSpec = { holderIdentity: "other", leaseDurationSeconds: 15, renewTime: "a" };
    const renewed: LeaseSpec = { ...first, renewTime: "b" };
    const seen = observe(observe(undefined, first, t0), renewed, t0 + 10_000);
    expect(decideLease(renewed, seen, "me", t0 + 20_000, leaseMs).kind).toBe("held-by-other");
  });

  it("renews its own lease keeping acquireTime and transitions", () => {
    const mine: LeaseSpec = {
      holderIdentity: "me",
      leaseDurationSeconds: 15,
      acquireTime: microTime(t0),
      renewTime: microTime(t0),
      leaseTransitions: 2,
    };
    const decision = decideLease(mine, observe(undefined, mine, t0), "me", t0 + 2_000, leaseMs);
    expect(decision).toMatchObject({
      kind: "write",
      spec: { acquireTime: microTime(t0), renewTime: microTime(t0 + 2_000), leaseTransitions: 2 },
    });
  });

  it("takes a released lease at once", () => {
    const released = releasedSpec({ holderIdentity: "other", leaseTransitions: 1 }, t0);
    expect(released.holderIdentity).toBe("");
    const decision = decideLease(released, observe(undefined, released, t0), "me", t0, leaseMs);
    expect(decision).toMatchObject({ kind: "write", spec: { holderIdentity: "me", leaseTransitions: 2 } });
  });
});
