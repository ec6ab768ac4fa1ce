import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  installCrds,
  type TestCluster,
} from "./support/cluster.js";
import { deployment, imageOf, isPodReady, statefulSet } from "./support/workloads.js";

// The foundation's acceptance: the local control plane schedules pods onto KWOK
// nodes, runs the Deployment and StatefulSet controllers, and serves CRDs.
let cluster: TestCluster;
let ns: string;

beforeAll(async () => {
  cluster = connect();
  ns = await createNamespace(cluster, "control-plane");
});
afterAll(async () => {
  await deleteNamespace(cluster, ns);
});

async function pods(selector: string): Promise<k8s.V1Pod[]> {
  return (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: selector })).items;
}

describe("Deployment", () => {
  it("gets 5 Ready pods, moves them all to a new ReplicaSet, and stops when paused", async () => {
    await cluster.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "web", 5, "nginx:1.0"),
    });
    const ready = await eventually("5 Ready pods", async () => {
      const list = await pods("app=web");
      return list.filter(isPodReady).length === 5 && list.length === 5 ? list : undefined;
    });
    expect(ready.map(imageOf)).toEqual(Array(5).fill("nginx:1.0"));
    expect(new Set(ready.map((p) => p.spec?.nodeName)).size).toBeGreaterThan(1);

    await cluster.apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: "web",
        body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "nginx:2.0" }],
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
    const moved = await eventually("every pod on the new ReplicaSet", async () => {
      const list = await pods("app=web");
      return list.length === 5 && list.every((p) => isPodReady(p) && imageOf(p) === "nginx:2.0")
        ? list
        : undefined;
    });
    const hashes = new Set(moved.map((p) => p.metadata?.labels?.["pod-template-hash"]));
    expect(hashes.size).toBe(1);
    const replicaSets = (
      await cluster.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: "app=web" })
    ).items;
    expect(replicaSets).toHaveLength(2);
    const current = replicaSets.find((rs) => rs.metadata?.labels?.["pod-template-hash"] === [...hashes][0]);
    expect(current?.status?.readyReplicas).toBe(5);

    // Pause part-way: minReadySeconds slows the rollout to one pod every few
    // seconds, so there is time to pause it with old and new pods side by side.
    await cluster.apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: "web",
        body: [
          { op: "replace", path: "/spec/strategy/rollingUpdate", value: { maxSurge: 1, maxUnavailable: 0 } },
          { op: "add", path: "/spec/minReadySeconds", value: 4 },
          { op: "replace", path: "/spec/template/spec/containers/0/image", value: "nginx:3.0" },
        ],
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
    await eventually("the first nginx:3.0 pod Ready", async () =>
      (await pods("app=web")).some((p) => imageOf(p) === "nginx:3.0" && isPodReady(p)),
    );
    await cluster.apps.patchNamespacedDeployment(
      { namespace: ns, name: "web", body: { spec: { paused: true } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const atPause = await pods("app=web");
    const newAtPause = atPause.filter((p) => imageOf(p) === "nginx:3.0").length;
    expect(newAtPause).toBeGreaterThanOrEqual(1);
    expect(newAtPause).toBeLessThan(5);
    // Longer than minReadySeconds: an unpaused Deployment would have moved on by now.
    await new Promise((resolve) => setTimeout(resolve, 9000));
    const later = await pods("app=web");
    expect(later.filter((p) => imageOf(p) === "nginx:3.0").length).toBe(newAtPause);
    expect(later.filter((p) => imageOf(p) === "nginx:2.0").length).toBeGreaterThanOrEqual(5 - newAtPause);
  });
});

describe("StatefulSet", () => {
  it("updates only ordinals at or above the partition, then the rest when it drops to 0", async () => {
    const sts = statefulSet(ns, "db", 5, "redis:1.0");
    await cluster.apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        ...sts,
        spec: { ...sts.spec, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 3 } } },
      } as typeof sts,
    });
    await eventually("5 Ready pods", async () => (await pods("app=db")).filter(isPodReady).length === 5);

    await cluster.apps.patchNamespacedStatefulSet(
      {
        namespace: ns,
        name: "db",
        body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "redis:2.0" }],
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
    const byOrdinal = async () => {
      const list = await pods("app=db");
      return Object.fromEntries(list.filter(isPodReady).map((p) => [p.metadata?.name, imageOf(p)]));
    };
    const expectedPartial = {
      "db-0": "redis:1.0",
      "db-1": "redis:1.0",
      "db-2": "redis:1.0",
      "db-3": "redis:2.0",
      "db-4": "redis:2.0",
    };
    await eventually(
      "ordinals 3 and 4 updated",
      async () => JSON.stringify(await byOrdinal()) === JSON.stringify(expectedPartial),
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await byOrdinal()).toEqual(expectedPartial);

    await cluster.apps.patchNamespacedStatefulSet(
      { namespace: ns, name: "db", body: { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const all = await eventually("every ordinal updated", async () => {
      const images = await byOrdinal();
      return Object.keys(images).length === 5 && Object.values(images).every((i) => i === "redis:2.0")
        ? images
        : undefined;
    });
    expect(Object.keys(all).sort()).toEqual(["db-0", "db-1", "db-2", "db-3", "db-4"]);
  });
});

describe("Gateway API CRDs", () => {
  it("install, accept a weighted HTTPRoute and reject one that breaks the schema", async () => {
    const names = await installCrds(cluster, "gateway-api");
    expect(names).toContain("httproutes.gateway.networking.k8s.io");
    const route = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "echoserver", namespace: ns },
      spec: {
        hostnames: ["test.app.domain"],
        rules: [
          {
            backendRefs: [
              { group: "", kind: "Service", name: "echoserver", port: 80, weight: 80 },
              { group: "", kind: "Service", name: "echoserver-canary", port: 80, weight: 20 },
            ],
          },
        ],
      },
    };
    const created = await cluster.objects.create(route);
    expect((created as typeof route).spec.rules[0]?.backendRefs.map((b) => b.weight)).toEqual([80, 20]);

    const stableRef = { group: "", kind: "Service", name: "echoserver", port: 80 };
    const broken = {
      ...route,
      metadata: { name: "broken", namespace: ns },
      spec: { ...route.spec, rules: [{ backendRefs: [{ ...stableRef, weight: -5 }] }] },
    };
    const failure = await cluster.objects.create(broken).then(
      () => undefined,
      (err: k8s.ApiException<string>) => err,
    );
    expect(failure?.code).toBe(422);
    expect(String(failure?.body)).toContain("spec.rules[0].backendRefs[0].weight");
  });
});

describe("Service and nginx canary Ingress", () => {
  it("round-trip unchanged", async () => {
    const service: k8s.V1Service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "echoserver", namespace: ns },
      spec: {
        selector: { app: "echoserver" },
        ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }],
      },
    };
    const savedService = await cluster.core.createNamespacedService({ namespace: ns, body: service });
    expect(savedService.spec?.selector).toEqual(service.spec?.selector);
    expect(savedService.spec?.ports?.[0]).toMatchObject({
      name: "http",
      port: 80,
      targetPort: 8080,
      protocol: "TCP",
    });

    const annotations = {
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "20",
      "nginx.ingress.kubernetes.io/canary-by-header": "user-agent",
      "nginx.ingress.kubernetes.io/canary-by-header-value": "pc",
      "nginx.ingress.kubernetes.io/canary-by-cookie": "canary-cookie",
    };
    const ingress: k8s.V1Ingress = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "echoserver-canary", namespace: ns, annotations },
      spec: {
        ingressClassName: "nginx",
        rules: [
          {
            host: "test.app.domain",
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: "echoserver-canary", port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    };
    const net = cluster.kc.makeApiClient(k8s.NetworkingV1Api);
    await net.createNamespacedIngress({ namespace: ns, body: ingress });
    const read = await net.readNamespacedIngress({ namespace: ns, name: "echoserver-canary" });
    expect(read.metadata?.annotations).toEqual(annotations);
    expect(read.spec).toEqual(ingress.spec);
  });
});
