import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { readRollout, waitForPhase } from "./support/rollouts.js";
import { Api, type Obj, rawClient } from "./support/traffic.js";
import { deployment, imageOf, isPodReady } from "./support/workloads.js";

// Step analysis with the web provider: an HTTP JSON endpoint this test serves on
// 127.0.0.1, read through a JSONPath. A healthy error rate advances the release with no
// approval; a failing one aborts it and the workload returns to the stable version.

let cluster: TestCluster;
let server: Server;
let base = "";
const raw = rawClient();
const namespaces: string[] = [];

beforeAll(async () => {
  cluster = connect();
  server = createServer((req, res) => {
    const rate = req.url === "/healthy" ? 0.01 : req.url === "/failing" ? 0.5 : undefined;
    res.writeHead(rate === undefined ? 404 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify(rate === undefined ? {} : { errorRate: rate }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
});

async function scenario(name: string, path: string): Promise<Api> {
  const ns = await createNamespace(cluster, `web-${name}`);
  namespaces.push(ns);
  const api = new Api(raw, ns);
  await api.create({
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name: "error-rate" },
    spec: {
      args: [{ name: "path" }],
      metrics: [
        {
          name: "error-rate",
          provider: { web: { url: `${base}/{{args.path}}`, jsonPath: "$.errorRate" } },
          successCondition: "result < 0.1",
          failureCondition: "result >= 0.1",
        },
      ],
    },
  });
  await api.create(deployment(ns, name, 2, "app:v1") as Obj);
  await api.create({
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: { name },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      strategy: {
        canary: {
          steps: [
            {
              replicas: 1,
              analysis: {
                templates: [{ templateName: "error-rate" }],
                args: [{ name: "path", value: path }],
              },
            },
            { replicas: "100%" },
          ],
        },
      },
    },
  });
  await waitForPhase(cluster, ns, name, "Healthy");
  await eventually(
    "v1 Ready",
    async () =>
      (await api.list("v1", "Pod", `app=${name}`)).filter((p) => isPodReady(p as never)).length === 2,
  );
  await raw.request({
    method: "PATCH",
    path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
    contentType: "application/json-patch+json",
    body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "app:v2" }],
  });
  return api;
}

describe("metric analysis with the web provider", () => {
  it("advances without approval on a healthy metric", async () => {
    const api = await scenario("good", "healthy");
    const done = await eventually(
      "release completed",
      async () => {
        const r = await readRollout(cluster, api.namespace, "good");
        const ok = r.status?.conditions?.find((c) => c.type === "Succeeded" && c.status === "True");
        return r.status?.phase === "Healthy" && ok ? r : undefined;
      },
      120_000,
    );
    const step = (done.status as Obj).analysis?.step;
    expect(step?.phase).toBe("Successful");
    expect(step?.metrics?.[0]?.measurements?.[0]?.value).toBe("0.01");
    const pods = await api.list("v1", "Pod", "app=good");
    expect(pods.map((p) => imageOf(p as never))).toEqual(["app:v2", "app:v2"]);
  });

  it("aborts on a failing metric and returns the workload to the stable version", async () => {
    const api = await scenario("bad", "failing");
    const aborted = await eventually(
      "release aborted",
      async () => {
        const r = await readRollout(cluster, api.namespace, "bad");
        const failed = r.status?.conditions?.find((c) => c.type === "Succeeded" && c.status === "False");
        return r.status?.phase === "Healthy" && failed ? { r, failed } : undefined;
      },
      120_000,
    );
    expect(aborted.failed.reason).toBe("Aborted");
    expect((aborted.failed as { message?: string }).message).toContain(
      'metric "error-rate" failed with value 0.5',
    );
    await eventually("every pod back on v1", async () => {
      const pods = await api.list("v1", "Pod", "app=bad");
      return (
        pods.length === 2 && pods.every((p) => imageOf(p as never) === "app:v1" && isPodReady(p as never))
      );
    });
  });
});
