import { mkdtempSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  conversionHandler,
  rolloutValidationHandler,
  workloadHoldHandler,
} from "../../../src/controller/admission.js";
import type { Caches } from "../../../src/controller/caches.js";
import { ObjectCache } from "../../../src/kube/cache.js";
import { createKubeClient } from "../../../src/kube/client.js";
import type { KubeObject } from "../../../src/kube/object.js";
import { createWebhookCerts, type WebhookCerts } from "../../../src/webhook/certs.js";
import { WebhookServer } from "../../../src/webhook/server.js";

// Issue 11, hostile input to admission: random, truncated and YAML bodies, and well-formed
// envelopes around random objects, POSTed over TLS to a real WebhookServer with the controller's
// own handlers. Every answer must be a clear refusal (HTTP 4xx with a message, or a review that
// denies with a message) or a well-formed review — never an HTTP 500, and never a handler crash
// (a review denied with code 500).

const paths = ["/mutate-workload", "/validate-rollout", "/convert"] as const;
const runs = Number(process.env.KRT_FUZZ_RUNS ?? 150);

let server: WebhookServer;
let certs: WebhookCerts;
let port: number;
const handlerErrors: string[] = [];

function cachesWith(objects: { rollouts: KubeObject[]; replicaSets: KubeObject[] }): Caches {
  const cache = (items: KubeObject[]) => {
    const c = new ObjectCache<KubeObject>();
    for (const item of items) c.upsert(item);
    return { cache: c };
  };
  const empty = cache([]);
  return {
    rollouts: cache(objects.rollouts),
    replicaSets: cache(objects.replicaSets),
    batchReleases: empty,
    deployments: empty,
    statefulSets: empty,
    trafficRoutings: empty,
  } as unknown as Caches;
}

/** A client whose apiserver does not answer: the hold's fresh reads fail, and must fail clearly. */
function unreachable() {
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "krt-admission-")), "kubeconfig.yaml");
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]
users: [{name: u, user: {}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`,
  );
  return createKubeClient({ kubeconfig });
}

const governing = {
  apiVersion: "rollouts.kruise.io/v1beta1",
  kind: "Rollout",
  metadata: { name: "web", namespace: "ns", uid: "r-uid", resourceVersion: "3" },
  spec: {
    workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    strategy: { canary: { steps: [{ replicas: 1 }], trafficRoutings: [{ service: "web" }] } },
  },
  status: { phase: "Healthy", currentStepIndex: 0, currentStepState: "" },
};
const sts = {
  ...governing,
  metadata: { ...governing.metadata, name: "db", uid: "r2" },
  spec: { ...governing.spec, workloadRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "db" } },
};

beforeAll(async () => {
  certs = await createWebhookCerts({ dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] }, Date.now());
  const caches = cachesWith({
    rollouts: [governing, sts] as KubeObject[],
    replicaSets: [
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: "web-abc",
          namespace: "ns",
          labels: { "pod-template-hash": "abc" },
          ownerReferences: [{ uid: "w-uid", controller: true }],
          creationTimestamp: "2025-01-01T00:00:00Z",
        },
        spec: { replicas: 3 },
      } as unknown as KubeObject,
    ],
  });
  server = new WebhookServer({
    cert: certs,
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 256 * 1024,
    onError: (error, path) => handlerErrors.push(`${path}: ${(error as Error).message}`),
  })
    .admission("/mutate-workload", workloadHoldHandler(caches, unreachable()))
    .admission("/validate-rollout", rolloutValidationHandler(caches))
    .conversion("/convert", conversionHandler);
  ({ port } = await server.listen());
});

afterAll(async () => {
  await server?.close();
});

interface Answer {
  status: number;
  text: string;
}

function post(path: string, body: string | Buffer, contentType = "application/json"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        ca: certs.caCertPem,
        agent: false,
        headers: { "Content-Type": contentType },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Whatever came back is a clear answer: a 4xx Status with a message, or a review. */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers and reviews of any shape
type Json = Record<string, any>;

function expectClear(answer: Answer, path: string): { review?: Json } {
  expect(answer.status, answer.text).not.toBe(500);
  const body = JSON.parse(answer.text) as Json;
  if (answer.status !== 200) {
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(body).toMatchObject({ kind: "Status", status: "Failure", code: answer.status });
    expect(typeof body.message).toBe("string");
    expect(body.message.length).toBeGreaterThan(5);
    return {};
  }
  if (path === "/convert") {
    expect(body.kind).toBe("ConversionReview");
    const result = body.response?.result;
    expect(["Success", "Failure"]).toContain(result?.status);
    if (result.status === "Failure") expect(String(result.message ?? "").length).toBeGreaterThan(5);
  } else {
    expect(body.kind).toBe("AdmissionReview");
    const response = body.response;
    expect(typeof response?.allowed).toBe("boolean");
    if (!response.allowed) {
      expect(response.status?.code, JSON.stringify(response.status)).not.toBe(500);
      expect(String(response.status?.message ?? "").length).toBeGreaterThan(5);
    }
  }
  return { review: body };
}

const deployment = (image: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "ns",
    uid: "w-uid",
    labels: { "rollouts.kruise.io/workload-type": "deployment" },
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "main", image }] } },
  },
});

const validReview = (path: string) =>
  path === "/convert"
    ? {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "ConversionReview",
        request: { uid: "c1", desiredAPIVersion: "rollouts.kruise.io/v1alpha1", objects: [governing] },
      }
    : {
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        request: {
          uid: "u1",
          kind:
            path === "/mutate-workload"
              ? { group: "apps", version: "v1", kind: "Deployment" }
              : { group: "rollouts.kruise.io", version: "v1beta1", kind: "Rollout" },
          resource:
            path === "/mutate-workload"
              ? { group: "apps", version: "v1", resource: "deployments" }
              : { group: "rollouts.kruise.io", version: "v1beta1", resource: "rollouts" },
          operation: "UPDATE",
          name: "web",
          namespace: "ns",
          object: path === "/mutate-workload" ? deployment("v2") : governing,
          oldObject: path === "/mutate-workload" ? deployment("v1") : governing,
        },
      };

const tally = { bodies: 0, http4xx: 0, reviews: 0, denied: 0 };

afterAll(() => {
  console.log(
    `[reliability] admission fuzz: ${tally.bodies} bodies, ${tally.http4xx} answered 4xx, ` +
      `${tally.reviews} answered with a review (${tally.denied} denials), 0 answered 500`,
  );
});

async function send(path: string, body: string | Buffer, contentType?: string) {
  tally.bodies++;
  const answer = await post(path, body, contentType);
  const { review } = expectClear(answer, path);
  if (!review) tally.http4xx++;
  else {
    tally.reviews++;
    if (review.response?.allowed === false || review.response?.result?.status === "Failure") tally.denied++;
  }
  return answer;
}

describe("admission under hostile input", () => {
  it("the valid reviews are answered (sanity)", async () => {
    for (const path of paths) {
      const answer = await send(path, JSON.stringify(validReview(path)));
      expect(answer.status).toBe(200);
    }
  });

  it("random bytes and strings get a 400 saying the body is not JSON or not a review", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        ),
        async (path, body) => {
          const answer = await send(path, body);
          expect(answer.status).toBe(400);
        },
      ),
      { numRuns: runs },
    );
  });

  it("truncated reviews get a 400", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        async (path, cut) => {
          const text = JSON.stringify(validReview(path));
          const answer = await send(path, text.slice(0, Math.floor(text.length * cut)));
          expect(answer.status).toBe(400);
          expect(answer.text).toContain("not JSON");
        },
      ),
      { numRuns: runs },
    );
  });

  it("YAML instead of JSON, whole or truncated, gets a 400", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        async (path, cut) => {
          const text = stringify(validReview(path));
          const answer = await send(path, text.slice(0, Math.ceil(text.length * cut)), "application/yaml");
          expect(answer.status).toBe(400);
        },
      ),
      { numRuns: Math.ceil(runs / 2) },
    );
  });

  it("random JSON values get a 400 saying what envelope was expected", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 3 }), async (path, value) => {
        const answer = await send(path, JSON.stringify(value));
        expect(answer.status).toBe(400);
        expect(answer.text).toMatch(/expected an? (AdmissionReview|ConversionReview)/);
      }),
      { numRuns: runs },
    );
  });

  it("a body over the limit gets a 413", async () => {
    const answer = await send("/mutate-workload", Buffer.alloc(300 * 1024, 0x7b));
    expect(answer.status).toBe(413);
  });

  it("well-formed envelopes around random or mangled objects get a review, never a handler crash", async () => {
    const mangle = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.constant(null),
      // a real object with one field replaced by garbage
      fc
        .tuple(
          fc.constantFrom(
            "metadata",
            "spec",
            "spec.template",
            "spec.replicas",
            "spec.strategy",
            "metadata.labels",
            "spec.template.spec",
            "status",
            "spec.workloadRef",
            "spec.strategy.canary",
            "spec.strategy.canary.steps",
          ),
          fc.jsonValue({ maxDepth: 2 }),
          fc.constantFrom("v1", "v2"),
          fc.boolean(),
        )
        .map(([path, value, image, workload]) => {
          const obj: Record<string, unknown> = structuredClone(deployment(image));
          const r: Record<string, unknown> = structuredClone(governing);
          for (const target of [obj, r]) {
            const keys = path.split(".");
            let at: Record<string, unknown> = target;
            for (const k of keys.slice(0, -1)) {
              if (typeof at[k] !== "object" || at[k] === null) at[k] = {};
              at = at[k] as Record<string, unknown>;
            }
            at[keys.at(-1) as string] = value;
          }
          return workload ? obj : r;
        }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        mangle,
        mangle,
        fc.constantFrom("CREATE", "UPDATE", "DELETE", "CONNECT", "BOGUS"),
        fc.constantFrom("Deployment", "StatefulSet", "Rollout", "Pod", ""),
        fc.constantFrom("web", "db", "other", ""),
        async (path, object, oldObject, operation, kind, name) => {
          const base = validReview(path) as Json;
          const body =
            path === "/convert"
              ? {
                  ...base,
                  request: { ...base.request, objects: [object, oldObject].filter((o) => o !== undefined) },
                }
              : {
                  ...base,
                  request: {
                    ...base.request,
                    operation,
                    name,
                    kind: { ...base.request.kind, kind },
                    object,
                    oldObject,
                  },
                };
          const answer = await send(path, JSON.stringify(body));
          expect(answer.status).toBe(200);
        },
      ),
      { numRuns: runs * 2 },
    );
    // Admission handlers never threw; a conversion that cannot be done fails the review with a
    // message that says which object and why (the apiserver shows it to the user).
    const admissionErrors = handlerErrors.filter((e) => !e.startsWith("/convert: "));
    expect(admissionErrors).toEqual([]);
    for (const e of handlerErrors) expect(e).toMatch(/^\/convert: cannot convert /);
  });

  it("conversion of null, a scalar or a malformed Rollout fails with a message naming it", async () => {
    const review = (objects: unknown[]) =>
      JSON.stringify({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "ConversionReview",
        request: { uid: "c2", desiredAPIVersion: "rollouts.kruise.io/v1beta1", objects },
      });
    const alpha = {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "broken", namespace: "ns" },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
        strategy: { canary: { steps: [{ weight: 10 }] } },
      },
    };
    const cases: [unknown[], RegExp][] = [
      [[null], /cannot convert object 0 to rollouts.kruise.io\/v1beta1: not a JSON object/],
      [[alpha, 7], /cannot convert object 1 to rollouts.kruise.io\/v1beta1: not a JSON object/],
      [
        [{ ...alpha, spec: { ...alpha.spec, strategy: { canary: { steps: 5 } } } }],
        /cannot convert Rollout broken from rollouts.kruise.io\/v1alpha1 to rollouts.kruise.io\/v1beta1: malformed object/,
      ],
    ];
    for (const [objects, message] of cases) {
      const answer = await send("/convert", review(objects));
      expect(answer.status).toBe(200);
      const result = JSON.parse(answer.text).response.result;
      expect(result.status).toBe("Failure");
      expect(result.message).toMatch(message);
    }
  });
});
