// Where the webhook PKI lives between restarts and is shared between replicas: a Secret in the
// controller's namespace in a cluster, or a directory for a controller run on a laptop. The
// Secret uses upstream kruise-rollout's key names, so an existing kruise-rollout-webhook-certs
// Secret is picked up rather than replaced.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isAlreadyExists, isConflict, isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import type { KubeObject } from "../kube/object.js";
import { resourcePath, secrets } from "../kube/resource.js";
import type { WebhookCerts } from "./certs.js";

export interface StoredCerts {
  /** Absent when nothing usable is stored yet. */
  certs: WebhookCerts | undefined;
  /** Opaque token for optimistic writes (the Secret's resourceVersion). */
  version?: string;
}

export interface CertStore {
  load(): Promise<StoredCerts>;
  /**
   * Writes `certs` unless another replica wrote since `version` was loaded, in which case it
   * returns false and the caller should load theirs instead of fighting.
   */
  save(certs: WebhookCerts, version: string | undefined): Promise<boolean>;
}

const files = {
  caCertPem: "ca-cert.pem",
  caKeyPem: "ca-key.pem",
  certPem: "cert.pem",
  keyPem: "key.pem",
  previousCaCertPem: "previous-ca-cert.pem",
} as const satisfies Record<keyof WebhookCerts, string>;

/** The PEM files by name, for a Secret's data (base64 applied by the caller) or a directory. */
export function certFiles(certs: WebhookCerts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, file] of Object.entries(files)) {
    const pem = certs[field as keyof WebhookCerts];
    if (pem) out[file] = pem;
  }
  return out;
}

/** The inverse of `certFiles`; undefined when a required file is missing. */
export function certsFromFiles(read: (file: string) => string | undefined): WebhookCerts | undefined {
  const caCertPem = read(files.caCertPem);
  const caKeyPem = read(files.caKeyPem);
  const certPem = read(files.certPem);
  const keyPem = read(files.keyPem);
  if (!caCertPem || !caKeyPem || !certPem || !keyPem) return undefined;
  const previousCaCertPem = read(files.previousCaCertPem);
  return { caCertPem, caKeyPem, certPem, keyPem, ...(previousCaCertPem ? { previousCaCertPem } : {}) };
}

interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export function secretCertStore(client: KubeClient, namespace: string, name: string): CertStore {
  const path = resourcePath(secrets, { namespace, name });
  return {
    async load() {
      let secret: Secret;
      try {
        secret = await client.request<Secret>({ method: "GET", path });
      } catch (error) {
        if (isNotFound(error)) return { certs: undefined };
        throw error;
      }
      const data = secret.data ?? {};
      const certs = certsFromFiles((file) =>
        data[file] ? Buffer.from(data[file], "base64").toString("utf8") : undefined,
      );
      // A Secret with missing keys comes back without certs but with its version, so it is
      // overwritten through the same guarded write as a rotation.
      const version = secret.metadata?.resourceVersion;
      return { certs, ...(version ? { version } : {}) };
    },
    async save(certs, version) {
      const data = Object.fromEntries(
        Object.entries(certFiles(certs)).map(([file, pem]) => [file, Buffer.from(pem).toString("base64")]),
      );
      const secret: Secret = {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace, ...(version ? { resourceVersion: version } : {}) },
        type: "Opaque",
        data,
      };
      try {
        if (version) await client.request({ method: "PUT", path, body: secret });
        else
          await client.request({ method: "POST", path: resourcePath(secrets, { namespace }), body: secret });
        return true;
      } catch (error) {
        if (isConflict(error) || isAlreadyExists(error)) return false;
        throw error;
      }
    },
  };
}

export function directoryCertStore(directory: string): CertStore {
  return {
    async load() {
      const contents = new Map<string, string>();
      for (const file of Object.values(files)) {
        try {
          contents.set(file, await readFile(join(directory, file), "utf8"));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        }
      }
      return { certs: certsFromFiles((file) => contents.get(file)) };
    },
    async save(certs) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      // Write-then-rename, so a crash never leaves a certificate paired with the wrong key.
      for (const [file, pem] of Object.entries(certFiles(certs))) {
        const target = join(directory, file);
        await writeFile(`${target}.tmp`, pem, { mode: 0o600 });
        await rename(`${target}.tmp`, target);
      }
      return true;
    },
  };
}
