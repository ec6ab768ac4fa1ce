import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Pki {
  caCert: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * One CA and one certificate that is both the apiserver's serving certificate and
 * the admin client certificate (O=system:masters), as kwokctl does: the cluster is
 * local and short-lived, so a second identity would buy nothing. A separate RSA key
 * signs service-account tokens. Generated once per cluster directory.
 */
export function ensurePki(dir: string): Pki {
  const pki: Pki = {
    caCert: join(dir, "ca.crt"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
    serviceAccountKey: join(dir, "sa.key"),
  };
  if (Object.values(pki).every((path) => existsSync(path))) return pki;
  mkdirSync(dir, { recursive: true });
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "3650",
      "-subj",
      "/CN=kruise-rollout-dev-ca",
    ],
    dir,
  );
  writeFileSync(
    join(dir, "admin.ext"),
    [
      "basicConstraints=CA:FALSE",
      "keyUsage=digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc",
      "",
    ].join("\n"),
  );
  openssl(
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "admin.key",
      "-out",
      "admin.csr",
      "-subj",
      "/O=system:masters/CN=kruise-rollout-admin",
    ],
    dir,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "admin.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "admin.crt",
      "-days",
      "3650",
      "-extfile",
      "admin.ext",
    ],
    dir,
  );
  openssl(["genrsa", "-out", "sa.key", "2048"], dir);
  return pki;
}
