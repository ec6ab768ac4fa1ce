import https from "node:https";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { createWebhookCerts, type WebhookCerts } from "../../../src/webhook/certs.js";
import type { AdmissionReview, ConversionReview } from "../../../src/webhook/review.js";
import { WebhookServer } from "../../../src/webhook/server.js";

const identity = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] };

interface Answer {
  status: number;
  body: unknown;
  serialNumber: string;
}

/** POSTs to the server over TLS, trusting only `ca`, as the apiserver does with a caBundle. */
function post(
  port: number,
  path: string,
  body: string | object,
  ca: string,
  method = "POST",
): Promise<Answer> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        ca,
        agent: false,
        headers: { "Content-Type": "application/json" },
      },
      (res) => {
        const serialNumber = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()),
            serialNumber,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

const admissionReview = (uid: string): AdmissionReview => ({
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  request: {
    uid,
    kind: { group: "apps", version: "v1", kind: "Deployment" },
    resource: { group: "apps", version: "v1", resource: "deployments" },
    operation: "UPDATE",
    name: "web",
    namespace: "default",
    object: { spec: { paused: false } },
  },
});

let server: WebhookServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(certs: WebhookCerts, maxBodyBytes?: number) {
  const errors: string[] = [];
  server = new WebhookServer({
    cert: certs,
    host: "127.0.0.1",
    port: 0,
    ...(maxBodyBytes ? { maxBodyBytes } : {}),
    onError: (error, path) => errors.push(`${path}: ${(error as Error).message}`),
  });
  server.admission("/mutate-workload", (request) => ({
    allowed: true,
    patch: [{ op: "replace", path: "/spec/paused", value: request.operation === "UPDATE" }],
  }));
  server.admission("/validate-rollout", () => {
    throw new Error("validator exploded");
  });
  server.conversion("/convert", (request) =>
    request.objects.map((o) => ({ ...(o as object), apiVersion: request.desiredAPIVersion })),
  );
  server.conversion("/convert-broken", async () => {
    throw new Error("no such version");
  });
  const { port } = await server.listen();
  return { port, errors, server };
}

describe("WebhookServer", () => {
  it("answers an AdmissionReview over TLS verified against our CA, with a base64 JSON patch", async () => {
    const certs = await createWebhookCerts(identity, Date.now());
    const { port } = await start(certs);
    const answer = await post(port, "/mutate-workload", admissionReview("uid-1"), certs.caCertPem);
    expect(answer.status).toBe(200);
    const review = answer.body as AdmissionReview;
    expect(review).toMatchObject({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: "uid-1", allowed: true, patchType: "JSONPatch" },
    });
    const patch = JSON.parse(Buffer.from(review.response?.patch as string, "base64").toString());
    expect(patch).toEqual([{ op: "replace", path: "/spec/paused", value: true }]);
  });

  it("is refused by a client that trusts another CA", async () => {
    const certs = await createWebhookCerts(identity, Date.now());
    const other = await createWebhookCerts(identity, Date.now());
    const { port } = await start(certs);
    await expect(post(port, "/mutate-workload", admissionReview("u"), other.caCertPem)).rejects.toThrow(
      /certificate/i,
    );
  });

  it("turns a throwing admission handler into a denial with status 500, and keeps serving", async () => {
    const certs = await createWebhookCerts(identity, Date.now());
    const { port, errors } = await start(certs);
    const answer = await post(port, "/validate-rollout", admissionReview("uid-2"), certs.caCertPem);
    expect(answer.status).toBe(200);
    expect((answer.body as AdmissionReview).response).toEqual({
      uid: "uid-2",
      allowed: false,
      status: { status: "Failure", code: 500, reason: "InternalError", message: "validator exploded" },
    });
    expect(errors).toEqual(["/validate-rollout: validator exploded"]);
    const again = await post(port, "/mutate-workload", admissionReview("uid-3"), certs.caCertPem);
    expect((again.body as AdmissionReview).response?.uid).toBe("uid-3");
  });

  it("converts objects and reports a failed conversion in the ConversionReview result", async () => {
    const certs = await createWebhookCerts(identity, Date.now());
    const { port } = await start(certs);
    const review: ConversionReview = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "ConversionReview",
      request: {
        uid: "c-1",
        desiredAPIVersion: "rollouts.kruise.io/v1beta1",
        objects: [{ apiVersion: "rollouts.kruise.io/v1alpha1", kind: "Rollout", metadata: { name: "r" } }],
      },
    };
    const ok = await post(port, "/convert", review, certs.caCertPem);
    expect((ok.body as ConversionReview).response).toEqual({
      uid: "c-1",
      result: { status: "Success" },
      convertedObjects: [
        { apiVersion: "rollouts.kruise.io/v1beta1", kind: "Rollout", metadata: { name: "r" } },
      ],
    });
    const failed = await post(port, "/convert-broken", review, certs.caCertPem);
    expect((failed.body as ConversionReview).response).toEqual({
      uid: "c-1",
      convertedObjects: [],
      result: { status: "Failure", message: "no such version" },
    });
  });

  it("rejects unknown paths, wrong methods, malformed and oversized bodies with HTTP errors", async () => {
    const certs = await createWebhookCerts(identity, Date.now());
    const { port } = await start(certs, 1024);
    expect((await post(port, "/nowhere", {}, certs.caCertPem)).status).toBe(404);
    expect((await post(port, "/convert", "", certs.caCertPem, "GET")).status).toBe(405);
    expect((await post(port, "/convert", "{not json", certs.caCertPem)).status).toBe(400);
    expect((await post(port, "/convert", { kind: "Something" }, certs.caCertPem)).status).toBe(400);
    const huge = { ...admissionReview("big"), padding: "x".repeat(4096) };
    const answer = await post(port, "/mutate-workload", huge, certs.caCertPem);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ kind: "Status", code: 413 });
  });

  it("serves a rotated certificate to new connections without restarting", async () => {
    const first = await createWebhookCerts(identity, Date.now());
    const { port, server } = await start(first);
    const before = await post(port, "/mutate-workload", admissionReview("a"), first.caCertPem);
    const second = await createWebhookCerts(identity, Date.now());
    server.setCertificate(second);
    const after = await post(port, "/mutate-workload", admissionReview("b"), second.caCertPem);
    expect(after.status).toBe(200);
    expect(after.serialNumber).not.toBe(before.serialNumber);
    await expect(post(port, "/mutate-workload", admissionReview("c"), first.caCertPem)).rejects.toThrow();
  });

  it("refuses to register one path twice", async () => {
    const certs = await createWebhookCerts(identity, Date.now());
    const { server } = await start(certs);
    expect(() => server.admission("/convert", () => ({ allowed: true }))).toThrow(/twice/);
  });
});
