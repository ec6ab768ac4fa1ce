import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  caBundlePem,
  createWebhookCerts,
  nextRenewalTime,
  renewalNeed,
  renewWebhookCerts,
} from "../../../src/webhook/certs.js";

const identity = {
  dnsNames: ["kruise-rollout-webhook-service.kruise-rollout.svc"],
  ipAddresses: ["127.0.0.1"],
};
const now = Date.parse("2026-03-01T00:00:00Z");
const day = 86_400_000;
const lifetimes = { caMs: 300 * day, servingMs: 30 * day };

describe("webhook certificates", () => {
  it("issues a CA and a serving certificate it signs, for the DNS names and IPs asked", async () => {
    const certs = await createWebhookCerts(identity, now, lifetimes);
    const ca = new X509Certificate(certs.caCertPem);
    const serving = new X509Certificate(certs.certPem);
    expect(ca.ca).toBe(true);
    expect(serving.ca).toBe(false);
    expect(serving.checkIssued(ca)).toBe(true);
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(serving.checkHost(identity.dnsNames[0] as string)).toBe(identity.dnsNames[0]);
    expect(serving.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(serving.checkHost("other.example")).toBeUndefined();
    expect(serving.keyUsage).toContain("1.3.6.1.5.5.7.3.1");
    expect(Date.parse(serving.validTo)).toBe(now + 30 * day);
    expect(certs.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(renewalNeed(certs, identity, now)).toBe("none");
  });

  it("renews the serving certificate at 2/3 of its life, from the same CA", async () => {
    const certs = await createWebhookCerts(identity, now, lifetimes);
    // Due 2/3 of the way from issue (not from the backdated notBefore) to expiry.
    const due = now + 20 * day;
    expect(nextRenewalTime(certs)).toBe(due);
    expect(renewalNeed(certs, identity, due - 1)).toBe("none");
    expect(renewalNeed(certs, identity, due)).toBe("serving");

    const renewed = await renewWebhookCerts(certs, identity, due, lifetimes);
    expect(renewed.caCertPem).toBe(certs.caCertPem);
    expect(renewed.certPem).not.toBe(certs.certPem);
    expect(renewalNeed(renewed, identity, due)).toBe("none");
  });

  it("keeps short-lived certificates (seconds, as tests use) for 2/3 of their life", async () => {
    const certs = await createWebhookCerts(identity, now, { caMs: 90_000, servingMs: 30_000 });
    const serving = new X509Certificate(certs.certPem);
    expect(Date.parse(serving.validFrom)).toBe(now - 30_000);
    expect(nextRenewalTime(certs)).toBe(now + 20_000);
    expect(renewalNeed(certs, identity, now + 19_999)).toBe("none");
    expect(renewalNeed(certs, identity, now + 20_000)).toBe("serving");
    expect(renewalNeed(certs, identity, now + 60_000)).toBe("ca");
  });

  it("renews the serving certificate when a name is missing or the CA did not sign it", async () => {
    const certs = await createWebhookCerts(identity, now, lifetimes);
    expect(renewalNeed(certs, { ...identity, ipAddresses: ["10.0.0.5"] }, now)).toBe("serving");
    const stranger = await createWebhookCerts(identity, now, lifetimes);
    expect(renewalNeed({ ...certs, certPem: stranger.certPem }, identity, now)).toBe("serving");
    expect(await renewWebhookCerts(certs, identity, now, lifetimes)).toBe(certs);
  });

  it("replaces the CA at 2/3 of its life and keeps the old one in the bundle until it expires", async () => {
    const certs = await createWebhookCerts(identity, now, lifetimes);
    const caDue = now + 200 * day;
    expect(renewalNeed(certs, identity, caDue)).toBe("ca");
    const rotated = await renewWebhookCerts(certs, identity, caDue, lifetimes);
    expect(rotated.caCertPem).not.toBe(certs.caCertPem);
    expect(rotated.previousCaCertPem).toBe(certs.caCertPem);
    expect(renewalNeed(rotated, identity, caDue)).toBe("none");

    const bundle = caBundlePem(rotated, caDue);
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(caBundlePem(rotated, now + 301 * day).match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
  });

  it("starts over from unparsable material", async () => {
    const certs = await createWebhookCerts(identity, now, lifetimes);
    expect(renewalNeed({ ...certs, caCertPem: "garbage" }, identity, now)).toBe("ca");
  });
});
