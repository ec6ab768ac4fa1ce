import { readFileSync } from "node:fs";
import { stringify } from "yaml";
import type { Pki } from "./pki.js";

/** An admin kubeconfig with the credentials embedded, so it can be copied anywhere. */
export function renderKubeconfig(name: string, server: string, pki: Pki): string {
  const b64 = (path: string) => readFileSync(path).toString("base64");
  const context = `kruise-rollout-${name}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: context, cluster: { server, "certificate-authority-data": b64(pki.caCert) } }],
    users: [
      {
        name: context,
        user: { "client-certificate-data": b64(pki.adminCert), "client-key-data": b64(pki.adminKey) },
      },
    ],
    contexts: [{ name: context, context: { cluster: context, user: context } }],
    "current-context": context,
  });
}
