import { readFileSync } from "node:fs";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/kube/api-error.js";
import { createNamespace, deleteNamespace, eventually } from "./support/cluster.js";
import { type FaultCluster, faultCluster, printLogsOnFailure } from "./support/faults.js";
import { readRollout } from "./support/rollouts.js";
import { Api, createEchoserver, type Obj, rolloutV1beta1, v2Image } from "./support/traffic.js";

// Issue 11, webhook TLS: certificates rotate without a failed admission. The controller keeps its
// PKI in its Secret with a 30 s serving certificate and a 75 s CA, so within a few minutes it
// renews the serving certificate several times and replaces the CA (publishing the new CA next
// to the old one first). Meanwhile admission requests run without pause through every webhook:
// dry-run updates of a held Deployment (the hold), dry-run updates of its Rollout (validation),
// and reads of the Rollout at v1alpha1 (conversion; the storage version is v1beta1). None may fail.

let fc: FaultCluster;
printLogsOnFailure(() => fc);
let ns = "";
const lines: string[] = [];

beforeAll(async () => {
  fc = await faultCluster("certs", 4);
}, 600_000);

afterAll(async () => {
  for (const line of lines) console.log(`[reliability] ${line}`);
  if (ns) await deleteNamespace(fc.cluster, ns).catch(() => undefined);
  await fc?.stop();
}, 300_000);

/** SHA-256 fingerprint of the certificate the webhook server presents to a new connection. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.once("error", reject);
  });
}

const caBundleOf = {
  mutating: (o: Obj) => o.webhooks[0].clientConfig.caBundle as string,
  crd: (o: Obj) => o.spec.conversion.webhook.clientConfig.caBundle as string,
};

describe("webhook certificate rotation", () => {
  it("serving certificates and the CA rotate while admission never fails", {
    timeout: 1_200_000,
  }, async () => {
    const controller = await fc.startController([
      "--webhook-cert-dir=",
      "--webhook-cert-lifetime=30s",
      "--webhook-ca-lifetime=75s",
    ]);
    const webhookPort = fc.opts.basePort + 20;
    ns = await createNamespace(fc.cluster, "certs");
    const api = new Api(fc.raw, ns);
    await createEchoserver(api, 2);
    await api.create(rolloutV1beta1("certs", { steps: [{ replicas: 1, pause: {} }, { replicas: "100%" }] }));
    await eventually(
      "Rollout Healthy",
      async () => (await readRollout(fc.cluster, ns, "certs")).status?.phase === "Healthy",
      120_000,
    );
    await eventually("the Deployment labelled for the hold", async () => {
      const d = await api.mustGet("apps/v1", "Deployment", "echoserver");
      return d.metadata.labels?.["rollouts.kruise.io/workload-type"] !== undefined;
    });

    const deploymentPath = `/apis/apps/v1/namespaces/${ns}/deployments/echoserver`;
    const rolloutPath = (version: string) =>
      `/apis/rollouts.kruise.io/${version}/namespaces/${ns}/rollouts/certs`;
    const mutatingPath =
      "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/kruise-rollout-mutating-webhook-configuration";
    const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/rollouts.rollouts.kruise.io";

    const counts = { hold: 0, validation: 0, conversion: 0 };
    const failures: string[] = [];
    const record = async (kind: keyof typeof counts, request: () => Promise<void>) => {
      try {
        await request();
        counts[kind]++;
      } catch (error) {
        const message = error instanceof ApiError ? `${error.code} ${error.message}` : String(error);
        failures.push(`${kind}: ${message}`);
      }
    };
    let running = true;
    const load = (async () => {
      while (running) {
        // The hold: an image change to a governed Deployment comes back paused.
        await record("hold", async () => {
          const held = await fc.raw.request<Obj>({
            method: "PATCH",
            path: deploymentPath,
            query: { dryRun: "All" },
            contentType: "application/merge-patch+json",
            body: { spec: { template: { spec: { containers: [{ name: "echoserver", image: v2Image }] } } } },
          });
          if (held.spec.paused !== true) throw new Error("the hold webhook did not pause the update");
        });
        // Validation of a Rollout update.
        await record("validation", async () => {
          await fc.raw.request({
            method: "PATCH",
            path: rolloutPath("v1beta1"),
            query: { dryRun: "All" },
            contentType: "application/merge-patch+json",
            body: { metadata: { annotations: { "reliability/probe": String(Date.now()) } } },
          });
        });
        // Conversion: stored as v1beta1, read as v1alpha1.
        await record("conversion", async () => {
          const old = await fc.raw.request<Obj>({ method: "GET", path: rolloutPath("v1alpha1") });
          if (old.apiVersion !== "rollouts.kruise.io/v1alpha1") throw new Error(`read as ${old.apiVersion}`);
        });
      }
    })();

    // Watch the rotation from outside: what the server presents, and what the apiserver trusts.
    const served = new Set<string>();
    const mutatingBundles = new Set<string>();
    const crdBundles = new Set<string>();
    const observe = async () => {
      served.add(await servedFingerprint(webhookPort));
      mutatingBundles.add(
        caBundleOf.mutating(await fc.raw.request<Obj>({ method: "GET", path: mutatingPath })),
      );
      crdBundles.add(caBundleOf.crd(await fc.raw.request<Obj>({ method: "GET", path: crdPath })));
    };
    await observe();
    const firstBundle = [...mutatingBundles][0];
    try {
      // Two CA replacements' worth: each publishes new+old, later new alone.
      await eventually(
        "serving certificates renewed and the CA replaced",
        async () => {
          await observe();
          return served.size >= 5 && mutatingBundles.size >= 3 && crdBundles.size >= 3;
        },
        600_000,
      );
    } finally {
      running = false;
      await load;
    }

    const bundlePems = [...mutatingBundles].map((b) => Buffer.from(b, "base64").toString("utf8"));
    const withTwo = bundlePems.filter((p) => p.match(/BEGIN CERTIFICATE/g)?.length === 2).length;
    const log = readFileSync(controller.logFile, "utf8");
    const total = counts.hold + counts.validation + counts.conversion;
    lines.push(
      `webhook certificate rotation (serving 30 s, CA 75 s, PKI in the Secret): ${served.size} serving ` +
        `certificates seen, ${mutatingBundles.size} caBundles in the webhook configuration (${withTwo} with the ` +
        `old CA next to the new one), ${crdBundles.size} in the CRD; ${total} admission requests ` +
        `(hold ${counts.hold}, validation ${counts.validation}, conversion ${counts.conversion}), ` +
        `${failures.length} failed`,
      ...failures.slice(0, 5).map((f) => `  FAILED: ${f}`),
    );
    expect(failures).toEqual([]);
    expect(Math.min(counts.hold, counts.validation, counts.conversion)).toBeGreaterThan(0);
    expect(firstBundle).toBeDefined();
    expect(withTwo).toBeGreaterThan(0);
    expect(log).not.toContain('"msg":"webhook certificates"');
    expect(controller.child.exitCode).toBeNull();
  });
});
