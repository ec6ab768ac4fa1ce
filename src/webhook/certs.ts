// Self-managed PKI for the webhook server, so that cert-manager is not required: a CA whose
// certificate goes into every caBundle, and a serving certificate it signs for the webhook
// Service's DNS names (and 127.0.0.1 when the apiserver calls a controller running outside the
// cluster). Generation uses @peculiar/x509 over Node's WebCrypto; inspection uses node:crypto's
// X509Certificate, which answers "does it cover this host?" and "did this CA sign it?" directly.
//
// Rotation keeps the apiserver trusting us throughout: the serving certificate is renewed at 2/3
// of its life from the same CA (the caBundle does not change), and when the CA itself is renewed
// the previous CA stays in the bundle until it expires, so certificates it signed — still served
// by replicas that have not reloaded yet — keep validating.
import "reflect-metadata"; // @peculiar/x509 resolves its ASN.1 providers through tsyringe, which needs it
import { X509Certificate as NodeCertificate, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

export interface WebhookCerts {
  caCertPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
  /** A CA replaced by a rotation, kept in the bundle until it expires. */
  previousCaCertPem?: string;
}

export interface ServingIdentity {
  /** e.g. kruise-rollout-webhook-service.kruise-rollout.svc */
  dnsNames: string[];
  /** e.g. 127.0.0.1 for a controller running outside the cluster. */
  ipAddresses: string[];
}

export interface CertLifetimes {
  caMs: number;
  servingMs: number;
}

const day = 24 * 3_600_000;
export const defaultLifetimes: CertLifetimes = { caMs: 10 * 365 * day, servingMs: 365 * day };
/** Renew once this fraction of a certificate's validity has passed. */
export const renewAtFraction = 2 / 3;
/**
 * Backdating covers replicas and apiservers whose clocks run a little behind ours: an hour, or
 * the lifetime itself when that is shorter (short-lived certificates, as tests use), so that the
 * issue time stays derivable from the certificate alone (see `issuedAt`).
 */
const clockSkewMs = 3_600_000;
const backdating = (lifetimeMs: number) => Math.min(clockSkewMs, lifetimeMs);

const keyAlgorithm = { name: "ECDSA", namedCurve: "P-256" } as const;
const signingAlgorithm = { name: "ECDSA", hash: "SHA-256" } as const;

x509.cryptoProvider.set(webcrypto as ReturnType<typeof x509.cryptoProvider.get>);

/** Creates a new CA and a serving certificate signed by it. */
export async function createWebhookCerts(
  identity: ServingIdentity,
  now: number,
  lifetimes: CertLifetimes = defaultLifetimes,
): Promise<WebhookCerts> {
  const ca = await createCertificateAuthority(now, lifetimes.caMs);
  const serving = await issueServingCert(ca, identity, now, lifetimes.servingMs);
  return { caCertPem: ca.certPem, caKeyPem: ca.keyPem, ...serving };
}

export async function createCertificateAuthority(
  now: number,
  lifetimeMs: number,
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=kruise-rollout-webhook-ca-${now}`,
    notBefore: new Date(now - backdating(lifetimeMs)),
    notAfter: new Date(now + lifetimeMs),
    keys,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Signs a serving certificate for `identity` with an existing CA. */
export async function issueServingCert(
  ca: { certPem: string; keyPem: string },
  identity: ServingIdentity,
  now: number,
  lifetimeMs: number,
): Promise<{ certPem: string; keyPem: string }> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey(
    "pkcs8",
    x509.PemConverter.decodeFirst(ca.keyPem),
    keyAlgorithm,
    false,
    ["sign"],
  );
  const keys = await newKeyPair();
  const names = [
    ...identity.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...identity.ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ];
  const commonName = identity.dnsNames[0] ?? identity.ipAddresses[0] ?? "kruise-rollout-webhook";
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${commonName}`,
    issuer: caCert.subject,
    notBefore: new Date(now - backdating(lifetimeMs)),
    // Never outlive the CA: a chain is only as valid as its shortest link.
    notAfter: new Date(Math.min(now + lifetimeMs, caCert.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await privateKeyPem(keys.privateKey) };
}

/** The PEM written into caBundle fields: the current CA, plus the previous one while it is valid. */
export function caBundlePem(certs: WebhookCerts, now: number): string {
  const bundle = [certs.caCertPem.trim()];
  if (certs.previousCaCertPem && Date.parse(new NodeCertificate(certs.previousCaCertPem).validTo) > now) {
    bundle.push(certs.previousCaCertPem.trim());
  }
  return `${bundle.join("\n")}\n`;
}

export type RenewalNeed = "none" | "serving" | "ca";

/**
 * What must be regenerated now (pure): the CA when it is past 2/3 of its life or unusable, else
 * the serving certificate when it is past 2/3, no longer signed by the CA, or misses a name.
 */
export function renewalNeed(certs: WebhookCerts, identity: ServingIdentity, now: number): RenewalNeed {
  let ca: NodeCertificate;
  let serving: NodeCertificate;
  try {
    ca = new NodeCertificate(certs.caCertPem);
    serving = new NodeCertificate(certs.certPem);
  } catch {
    return "ca"; // unparsable: start over
  }
  if (!ca.ca || now >= renewalTime(ca)) return "ca";
  if (now >= renewalTime(serving)) return "serving";
  if (!serving.checkIssued(ca) || !serving.verify(ca.publicKey)) return "serving";
  const coversAll =
    identity.dnsNames.every((name) => serving.checkHost(name, { wildcards: false }) !== undefined) &&
    identity.ipAddresses.every((ip) => serving.checkIP(ip) !== undefined);
  return coversAll ? "none" : "serving";
}

/** When `renewalNeed` will next say something other than "none", absent other changes. */
export function nextRenewalTime(certs: WebhookCerts): number {
  return Math.min(
    renewalTime(new NodeCertificate(certs.caCertPem)),
    renewalTime(new NodeCertificate(certs.certPem)),
  );
}

/** Produces certificates that satisfy `identity` at `now`, keeping whatever is still good. */
export async function renewWebhookCerts(
  current: WebhookCerts | undefined,
  identity: ServingIdentity,
  now: number,
  lifetimes: CertLifetimes = defaultLifetimes,
): Promise<WebhookCerts> {
  if (!current) return createWebhookCerts(identity, now, lifetimes);
  const need = renewalNeed(current, identity, now);
  if (need === "none") return current;
  if (need === "serving") {
    const ca = { certPem: current.caCertPem, keyPem: current.caKeyPem };
    return { ...current, ...(await issueServingCert(ca, identity, now, lifetimes.servingMs)) };
  }
  const fresh = await createWebhookCerts(identity, now, lifetimes);
  return { ...fresh, ...(isParsable(current.caCertPem) ? { previousCaCertPem: current.caCertPem } : {}) };
}

/**
 * 2/3 of the way from issue to expiry. Measured from the issue time rather than notBefore, or
 * the hour of backdating would make a certificate of a few minutes due at once.
 */
function renewalTime(cert: NodeCertificate): number {
  const issued = issuedAt(cert);
  const to = Date.parse(cert.validTo);
  return issued + (to - issued) * renewAtFraction;
}

/** notBefore plus our backdating: an hour, or half the validity when that is under two hours. */
function issuedAt(cert: NodeCertificate): number {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return from + Math.min(clockSkewMs, (to - from) / 2);
}

function isParsable(pem: string): boolean {
  try {
    new NodeCertificate(pem);
    return true;
  } catch {
    return false;
  }
}

function newKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(keyAlgorithm, true, ["sign", "verify"]);
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** A positive 128-bit serial: RFC 5280 wants unique, unpredictable serials. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}
