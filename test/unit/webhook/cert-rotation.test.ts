import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CertRotation, defaultTrustDelayMs, lifetimesFromFlags } from "../../../src/webhook/cert-rotation.js";
import {
  type CertStore,
  certFiles,
  certsFromFiles,
  directoryCertStore,
} from "../../../src/webhook/cert-store.js";
import { createWebhookCerts, defaultLifetimes } from "../../../src/webhook/certs.js";
import type { ServingCert } from "../../../src/webhook/server.js";
import { FakeClock } from "../kube/fake-clock.js";

const identity = { dnsNames: ["webhook.kruise-rollout.svc"], ipAddresses: ["127.0.0.1"] };
const day = 86_400_000;
const lifetimes = { caMs: 300 * day, servingMs: 30 * day };

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "webhook-certs-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function rotation(store: CertStore, clock: FakeClock, recheckMs?: number) {
  const served: ServingCert[] = [];
  const published: string[] = [];
  const certRotation = new CertRotation({
    store,
    identity,
    lifetimes,
    clock,
    ...(recheckMs ? { recheckMs } : {}),
    serve: (cert) => served.push(cert),
    publish: async (bundle) => void published.push(bundle),
  });
  return { certRotation, served, published };
}

describe("certificate storage", () => {
  it("round-trips certificates through file names, including a previous CA", async () => {
    const certs = {
      ...(await createWebhookCerts(identity, Date.now(), lifetimes)),
      previousCaCertPem: "OLD",
    };
    const files = certFiles(certs);
    expect(Object.keys(files).sort()).toEqual([
      "ca-cert.pem",
      "ca-key.pem",
      "cert.pem",
      "key.pem",
      "previous-ca-cert.pem",
    ]);
    expect(certsFromFiles((f) => files[f])).toEqual(certs);
    expect(certsFromFiles((f) => (f === "key.pem" ? undefined : files[f]))).toBeUndefined();
  });

  it("keeps private keys readable by the owner only in a directory store", async () => {
    const store = directoryCertStore(join(directory, "certs"));
    expect((await store.load()).certs).toBeUndefined();
    const certs = await createWebhookCerts(identity, Date.now(), lifetimes);
    expect(await store.save(certs, undefined)).toBe(true);
    expect((await store.load()).certs).toEqual(certs);
    expect((await stat(join(directory, "certs", "key.pem"))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(directory, "certs", "ca-cert.pem"), "utf8")).toBe(certs.caCertPem);
  });
});

describe("CertRotation", () => {
  it("creates, stores, serves and publishes on first start, then leaves good certificates alone", async () => {
    const clock = new FakeClock(Date.parse("2026-03-01T00:00:00Z"));
    const store = directoryCertStore(directory);
    const { certRotation, served, published } = rotation(store, clock);
    const certs = await certRotation.start();
    expect((await store.load()).certs).toEqual(certs);
    expect(served).toEqual([{ certPem: certs.certPem, keyPem: certs.keyPem }]);
    expect(published).toEqual([`${certs.caCertPem.trim()}\n`]);

    expect(await certRotation.ensure()).toEqual(certs);
    expect(served).toHaveLength(1);
    expect(published).toHaveLength(1);
    certRotation.stop();
  });

  it("rotates the serving certificate on schedule without republishing an unchanged CA", async () => {
    const clock = new FakeClock(Date.parse("2026-03-01T00:00:00Z"));
    const { certRotation, served, published } = rotation(directoryCertStore(directory), clock, 365 * day);
    const first = await certRotation.start();
    expect(clock.pendingDelays()).toHaveLength(1);
    await clock.advance(19 * day);
    expect(served).toHaveLength(1);
    await clock.advance(2 * day);
    // The round itself does real file and key-generation I/O.
    await vi.waitFor(() => expect(served).toHaveLength(2));
    expect(served[1]?.certPem).not.toBe(first.certPem);
    expect(published).toHaveLength(1);
    certRotation.stop();
  });

  it("publishes a new CA, and waits for it to be trusted, before storing or serving what it signed", async () => {
    const clock = new FakeClock(Date.parse("2026-03-01T00:00:00Z"));
    const store = directoryCertStore(directory);
    const { certRotation, served, published } = rotation(store, clock);
    const first = await certRotation.ensure();
    await clock.advance(200 * day);
    const round = certRotation.ensure();
    await vi.waitFor(() => expect(published).toHaveLength(2));
    // The new bundle holds the new CA and the old one; nothing new is stored or served yet.
    expect(published[1]?.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(published[1]).toContain(first.caCertPem.trim());
    expect(served).toHaveLength(1);
    expect((await store.load()).certs?.caCertPem).toBe(first.caCertPem);
    expect(clock.pendingDelays()).toEqual([defaultTrustDelayMs]);
    await clock.advance(defaultTrustDelayMs);
    const rotated = await round;
    expect(rotated.caCertPem).not.toBe(first.caCertPem);
    expect((await store.load()).certs?.caCertPem).toBe(rotated.caCertPem);
    expect(served.map((c) => c.certPem)).toEqual([first.certPem, rotated.certPem]);
    expect(published).toHaveLength(2);
  });

  it("serves the certificates of a replica that stored first", async () => {
    const clock = new FakeClock();
    const theirs = await createWebhookCerts(identity, clock.now(), lifetimes);
    let loads = 0;
    const racingStore: CertStore = {
      load: async () => (loads++ === 0 ? { certs: undefined } : { certs: theirs, version: "2" }),
      save: async () => false,
    };
    const { certRotation, served } = rotation(racingStore, clock);
    expect(await certRotation.ensure()).toBe(theirs);
    expect(served).toEqual([{ certPem: theirs.certPem, keyPem: theirs.keyPem }]);
  });
});

describe("certificate lifetime flags", () => {
  it("reads Go durations, defaults each, and names the flag it refuses", () => {
    expect(lifetimesFromFlags(undefined, undefined)).toEqual(defaultLifetimes);
    expect(lifetimesFromFlags("30s", "90s")).toEqual({ servingMs: 30_000, caMs: 90_000 });
    expect(lifetimesFromFlags(undefined, "2h")).toEqual({ servingMs: 7_200_000, caMs: 7_200_000 });
    expect(() => lifetimesFromFlags("30", undefined)).toThrow(/--webhook-cert-lifetime: .*needs a unit/);
    expect(() => lifetimesFromFlags(undefined, "1s")).toThrow(/--webhook-ca-lifetime: 1s is too short/);
    expect(() => lifetimesFromFlags("2h", "1h")).toThrow(/must not exceed --webhook-ca-lifetime/);
  });
});
