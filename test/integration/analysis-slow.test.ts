import { createServer, type Server, type ServerResponse } from "node:http";
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
import { deployment, imageOf } from "./support/workloads.js";

// Measurements run off the reconcile path. Four Rollouts (more than the controller's 3 rollout
// workers) analyse against an endpoint that never answers until this test lets it; meanwhile a
// fifth Rollout with a healthy endpoint must go through its whole release. Had the measurements
// run inside the reconcile, the four would hold every worker and the fifth could not move.
// Nothing is timed: the test checks what has happened, in which order.

let cluster: TestCluster;
let server: Server;
let base = "";
/** The healthy provider of the fifth Rollout: another endpoint, as a second metrics backend would be. */
let healthy: Server;
let healthyBase = "";
const raw = rawClient();
const namespaces: string[] = [];
/** Requests to /hang/<rollout>, held open until released. */
const held = new Map<string, ServerResponse[]>();
/** How many requests each /hang/<rollout> received. */
const asked = new Map<string, number>();
let answered = 0;

beforeAll(async () => {
  cluster = connect();
  server = createServer((req, res) => {
    const hang = /^\/hang\/(.+)$/.exec(req.url ?? "");
    if (hang?.[1]) {
      const name = hang[1];
      asked.set(name, (asked.get(name) ?? 0) + 1);
      // Headers now and a blank every 30 s: the JSON answer never completes until released, and
      // Node's fetch never cuts the request for silence (its header and body timeouts are 300 s).
      res.writeHead(200, { "content-type": "application/json" });
      res.write(" ");
      const keepAlive = setInterval(() => res.write(" "), 30_000);
      res.once("close", () => clearInterval(keepAlive));
      res.once("finish", () => clearInterval(keepAlive));
      held.set(name, [...(held.get(name) ?? []), res]);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  healthy = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ errorRate: 0.01 }));
  });
  await new Promise<void>((resolve) => healthy.listen(0, "127.0.0.1", resolve));
  healthyBase = `http://127.0.0.1:${(healthy.address() as AddressInfo).port}`;
});

function releaseHeld(): void {
  for (const responses of held.values()) {
    for (const res of responses) {
      answered += 1;
      res.end(JSON.stringify({ errorRate: 0.01 }));
    }
  }
  held.clear();
}

afterAll(async () => {
  releaseHeld();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => healthy.close(resolve));
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
});

const template = (name: string, url: string): Obj => ({
  apiVersion: "rollouts.kruise.io/v1alpha1",
  kind: "AnalysisTemplate",
  metadata: { name },
  spec: {
    metrics: [
      {
        name: "error-rate",
        // The provider's timeout is far beyond the test's budgets: only the test ends these requests.
        provider: { web: { url, jsonPath: "$.errorRate", timeout: "30m" } },
        successCondition: "result < 0.1",
        failureCondition: "result >= 0.1",
      },
    ],
  },
});

async function analysed(api: Api, name: string, templateName: string): Promise<void> {
  await api.create(deployment(api.namespace, name, 2, "app:v1") as Obj);
  await api.create({
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: { name },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      strategy: {
        canary: {
          steps: [{ replicas: 1, analysis: { templates: [{ templateName }] } }, { replicas: "100%" }],
        },
      },
    },
  });
}

const release = (api: Api, name: string) =>
  api.client.request({
    method: "PATCH",
    path: `/apis/apps/v1/namespaces/${api.namespace}/deployments/${name}`,
    contentType: "application/strategic-merge-patch+json",
    body: { spec: { template: { spec: { containers: [{ name: "main", image: "app:v2" }] } } } },
  });

const succeeded = async (api: Api, name: string) => {
  const r = await readRollout(cluster, api.namespace, name);
  return r.status?.conditions?.some((c) => c.type === "Succeeded" && c.status === "True") ?? false;
};

describe("measurements off the reconcile path", () => {
  it("a provider that does not answer holds no reconcile worker: another Rollout releases meanwhile", {
    timeout: 900_000,
  }, async () => {
    const ns = await createNamespace(cluster, "an-slow");
    namespaces.push(ns);
    const api = new Api(raw, ns);
    const slow = ["slow-1", "slow-2", "slow-3", "slow-4"];
    await api.create(template("quick", `${healthyBase}/rate`));
    for (const name of slow) {
      await api.create(template(name, `${base}/hang/${name}`));
      await analysed(api, name, name);
    }
    await analysed(api, "quick", "quick");
    for (const name of [...slow, "quick"]) await waitForPhase(cluster, ns, name, "Healthy");

    for (const name of slow) await release(api, name);
    await eventually(
      "each slow Rollout's measurement in flight",
      async () => slow.every((name) => (held.get(name)?.length ?? 0) > 0),
      600_000,
    );

    await release(api, "quick");
    await eventually("quick completed", () => succeeded(api, "quick"), 180_000);
    const pods = await api.list("v1", "Pod", "app=quick");
    expect(pods.map(imageOf)).toEqual(["app:v2", "app:v2"]);

    // All of that happened while no slow measurement had been answered, and none was sent twice.
    expect(answered).toBe(0);
    for (const name of slow) {
      expect(asked.get(name)).toBe(1);
      const r = await readRollout(cluster, ns, name);
      expect(r.status?.canaryStatus?.currentStepState).toBe("StepMetricsAnalysis");
    }

    // Once answered, each result is folded in and the slow releases finish too.
    releaseHeld();
    for (const name of slow) await eventually(`${name} completed`, () => succeeded(api, name), 180_000);
    for (const name of slow) expect(asked.get(name)).toBe(1);
    const quick = await readRollout(cluster, ns, "quick");
    expect((quick.status as Obj).analysis.step).toMatchObject({ phase: "Successful" });
  });
});
