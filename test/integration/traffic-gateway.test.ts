import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  installCrds,
  type TestCluster,
} from "./support/cluster.js";
import { approve, waitForPhase, waitForStep } from "./support/rollouts.js";
import {
  Api,
  createEchoserver,
  httpRouteRoutes,
  type Obj,
  oneFixture,
  rawClient,
  restorable,
  revisionOf,
  rolloutV1beta1,
  setImage,
  TrafficWatch,
  v1Image,
  v2Image,
} from "./support/traffic.js";

// Gateway API HTTPRoute traffic routing (spec §2.3, §2.4, §5.4) with the Gateway API CRDs from
// ../shared/crds, which serve gateway.networking.k8s.io v1 and v1beta1 (the seed's v1alpha2 is
// no longer served, so its HTTPRoute is created as v1, otherwise exactly as the seed writes it).

const routeV1 = "gateway.networking.k8s.io/v1";

let cluster: TestCluster;
const raw = rawClient();
const namespaces: string[] = [];

beforeAll(async () => {
  cluster = connect();
  await installCrds(cluster, "gateway-api");
});
afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
});

interface Scene {
  api: Api;
  ns: string;
  originals: { service: Obj | undefined; route: Obj | undefined };
  stableHash: string;
}

async function scene(route: Obj): Promise<Scene> {
  const ns = await createNamespace(cluster, "tr-gateway");
  namespaces.push(ns);
  const api = new Api(raw, ns);
  const service = await createEchoserver(api);
  const created = await api.create({ ...route, apiVersion: routeV1 });
  const stableHash = await revisionOf(api, v1Image);
  return { api, ns, originals: { service: restorable(service), route: restorable(created) }, stableHash };
}

const ref = (name: string, weight: number) => ({ group: "", kind: "Service", name, port: 80, weight });
const stable = (weight: number) => ref("echoserver", weight);
const canary = (weight: number) => ref("echoserver-canary", weight);

async function expectRules(s: Scene, name: string, rules: Obj[]): Promise<void> {
  const route = await s.api.mustGet(routeV1, "HTTPRoute", name);
  expect(route.spec.rules).toEqual(rules);
  // nothing but the rules is touched
  expect({ ...route.spec, rules: undefined }).toEqual({ ...s.originals.route?.spec, rules: undefined });
  const canaryHash = await revisionOf(s.api, v2Image);
  const canarySvc = await s.api.mustGet("v1", "Service", "echoserver-canary");
  expect(canarySvc.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": canaryHash });
  const stableSvc = await s.api.mustGet("v1", "Service", "echoserver");
  expect(stableSvc.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": s.stableHash });
}

async function expectRestored(s: Scene, name: string): Promise<void> {
  await s.api.gone("v1", "Service", "echoserver-canary");
  expect(restorable(await s.api.get("v1", "Service", "echoserver"))).toEqual(s.originals.service);
  expect(restorable(await s.api.get(routeV1, "HTTPRoute", name))).toEqual(s.originals.route);
}

function expectNoUnreadyTraffic(watch: TrafficWatch): void {
  expect(watch.violations).toEqual([]);
  expect(watch.checkedStates).toBeGreaterThan(0);
}

describe("Gateway API HTTPRoute", () => {
  it("runs the seed's HTTPRoute example as written and restores the route on completion", async () => {
    const s = await scene({
      kind: "HTTPRoute",
      metadata: { name: "echoserver" },
      spec: {
        hostnames: ["test.app.domain"],
        rules: [{ backendRefs: [{ group: "", name: "echoserver", port: 80 }] }],
      },
    });
    // What the API server stores: the CRD defaults kind, weight and the rule's match.
    expect(s.originals.route?.spec).toEqual({
      hostnames: ["test.app.domain"],
      rules: [{ backendRefs: [stable(1)], matches: [{ path: { type: "PathPrefix", value: "/" } }] }],
    });
    await s.api.create({
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "rollouts-demo" },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "echoserver" } },
        strategy: {
          canary: {
            steps: [{ weight: 20, pause: {} }],
            trafficRoutings: [{ service: "echoserver", gateway: { httpRouteName: "echoserver" } }],
          },
        },
      },
    });
    await waitForPhase(cluster, s.ns, "rollouts-demo", "Healthy");
    const watch = new TrafficWatch(s.api, httpRouteRoutes("echoserver"));
    await setImage(s.api, "echoserver", v2Image);

    await waitForStep(cluster, s.ns, "rollouts-demo", 1, "StepPaused");
    await expectRules(s, "echoserver", [
      { backendRefs: [stable(80), canary(20)], matches: [{ path: { type: "PathPrefix", value: "/" } }] },
    ]);
    // weight 20 also means 20% of the 5 replicas
    expect(
      (await s.api.list("v1", "Pod", "app=echoserver")).filter((p) => p.spec.containers[0].image === v2Image),
    ).toHaveLength(1);

    await approve(cluster, s.ns, "rollouts-demo");
    const done = await waitForPhase(cluster, s.ns, "rollouts-demo", "Healthy");
    expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
    await expectRestored(s, "echoserver");
    await watch.stop();
    expectNoUnreadyTraffic(watch);
  });

  it("moves weights per step, then header and query matches, and restores the route on rollback", async () => {
    const s = await scene(oneFixture("gateway/httproute-test.yaml"));
    const apis = { path: { type: "PathPrefix", value: "/apis/echo" } };
    expect(s.originals.route?.spec).toEqual({
      hostnames: ["test.app.domain"],
      rules: [{ backendRefs: [stable(1)], matches: [apis] }],
    });
    const userAgent = { type: "Exact", name: "user-agent", value: "pc" };
    const query = { type: "Exact", name: "canary", value: "true" };
    const betaUser = { type: "RegularExpression", name: "x-user", value: "beta-.*" };
    await s.api.create(
      rolloutV1beta1("gw", {
        enableExtraWorkloadForCanary: true,
        steps: [
          { traffic: "20%", replicas: 1, pause: {} },
          { traffic: "50%", replicas: 2, pause: {} },
          { replicas: 2, matches: [{ headers: [userAgent] }, { queryParams: [query] }], pause: {} },
          {
            replicas: 3,
            traffic: "30%",
            matches: [
              { path: { type: "PathPrefix", value: "/beta" } },
              { headers: [betaUser], queryParams: [query] },
            ],
            pause: {},
          },
        ],
        trafficRoutings: [
          { service: "echoserver", gateway: { httpRouteName: "echoserver" }, gracePeriodSeconds: 0 },
        ],
      }),
    );
    await waitForPhase(cluster, s.ns, "gw", "Healthy");
    const watch = new TrafficWatch(s.api, httpRouteRoutes("echoserver"));
    await setImage(s.api, "echoserver", v2Image);

    const expected: Obj[][] = [
      [{ backendRefs: [stable(80), canary(20)], matches: [apis] }],
      [{ backendRefs: [stable(50), canary(50)], matches: [apis] }],
      [
        { backendRefs: [stable(1)], matches: [apis] },
        {
          backendRefs: [canary(1)],
          matches: [
            { ...apis, headers: [userAgent] },
            { ...apis, queryParams: [query] },
          ],
        },
      ],
      // matches win over the weight; a path match stands on its own
      [
        { backendRefs: [stable(1)], matches: [apis] },
        {
          backendRefs: [canary(1)],
          matches: [
            { path: { type: "PathPrefix", value: "/beta" } },
            { ...apis, headers: [betaUser], queryParams: [query] },
          ],
        },
      ],
    ];
    for (const [i, rules] of expected.entries()) {
      await waitForStep(cluster, s.ns, "gw", i + 1, "StepPaused");
      await expectRules(s, "echoserver", rules);
      if (i < expected.length - 1) await approve(cluster, s.ns, "gw");
    }

    await setImage(s.api, "echoserver", v1Image);
    const done = await waitForPhase(cluster, s.ns, "gw", "Healthy");
    expect(done.status?.conditions?.find((c) => c.type === "Succeeded")).toMatchObject({
      status: "False",
      reason: "Canceled",
    });
    await expectRestored(s, "echoserver");
    await eventually("only v1 pods", async () => {
      const pods = await s.api.list("v1", "Pod", "app=echoserver");
      return pods.length === 5 && pods.every((pod) => pod.spec.containers[0].image === v1Image);
    });
    await watch.stop();
    expectNoUnreadyTraffic(watch);
  });

  it("restores the route when the Rollout is deleted during an A/B step", async () => {
    const s = await scene(oneFixture("gateway/httproute-test.yaml"));
    const apis = { path: { type: "PathPrefix", value: "/apis/echo" } };
    const userAgent = { type: "Exact", name: "user-agent", value: "pc" };
    await s.api.create(
      rolloutV1beta1("gw-deleted", {
        enableExtraWorkloadForCanary: true,
        steps: [
          { replicas: 1, matches: [{ headers: [userAgent] }], pause: {} },
          { replicas: 2, traffic: "50%", pause: {} },
        ],
        trafficRoutings: [
          { service: "echoserver", gateway: { httpRouteName: "echoserver" }, gracePeriodSeconds: 0 },
        ],
      }),
    );
    await waitForPhase(cluster, s.ns, "gw-deleted", "Healthy");
    const watch = new TrafficWatch(s.api, httpRouteRoutes("echoserver"));
    await setImage(s.api, "echoserver", v2Image);
    await waitForStep(cluster, s.ns, "gw-deleted", 1, "StepPaused");
    await expectRules(s, "echoserver", [
      { backendRefs: [stable(1)], matches: [apis] },
      { backendRefs: [canary(1)], matches: [{ ...apis, headers: [userAgent] }] },
    ]);

    await s.api.delete("rollouts.kruise.io/v1beta1", "Rollout", "gw-deleted");
    await s.api.gone("rollouts.kruise.io/v1beta1", "Rollout", "gw-deleted", 90_000);
    await expectRestored(s, "echoserver");
    await watch.stop();
    expectNoUnreadyTraffic(watch);
  });
});
