import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  createNamespace,
  deleteNamespace,
  installCrds,
  type TestCluster,
} from "./support/cluster.js";
import { approve, waitForPhase, waitForStep } from "./support/rollouts.js";
import {
  Api,
  createEchoserver,
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
  virtualServiceRoutes,
} from "./support/traffic.js";

// Istio through customNetworkRefs and the built-in Lua scripts (spec §2.4, §5.5): the upstream
// e2e VirtualService and DestinationRule, the Istio CRDs from ../shared/crds, the exact
// spec.http at every step, and both objects restored from their snapshot afterwards.

const vsVersion = "networking.istio.io/v1alpha3";
const drVersion = "networking.istio.io/v1beta1";
const snapshotKey = "rollouts.kruise.io/original-spec-configuration";

let cluster: TestCluster;
const raw = rawClient();
const namespaces: string[] = [];

beforeAll(async () => {
  cluster = connect();
  await installCrds(cluster, "istio");
});
afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
});

interface Scene {
  api: Api;
  ns: string;
  originals: { service: Obj | undefined; vs: Obj | undefined; dr: Obj | undefined };
  stableHash: string;
}

async function scene(): Promise<Scene> {
  const ns = await createNamespace(cluster, "tr-istio");
  namespaces.push(ns);
  const api = new Api(raw, ns);
  const service = await createEchoserver(api);
  const vs = await api.create(
    oneFixture("customNetworkProvider/virtualservice_without_destinationrule.yaml"),
  );
  const dr = await api.create(oneFixture("customNetworkProvider/destinationrule.yaml"));
  const stableHash = await revisionOf(api, v1Image);
  return {
    api,
    ns,
    originals: { service: restorable(service), vs: restorable(vs), dr: restorable(dr) },
    stableHash,
  };
}

const routing = [
  {
    service: "echoserver",
    gracePeriodSeconds: 0,
    customNetworkRefs: [
      { apiVersion: vsVersion, kind: "VirtualService", name: "vs-demo" },
      { apiVersion: drVersion, kind: "DestinationRule", name: "ds-demo" },
    ],
  },
];

const stableRoute = { route: [{ destination: { host: "echoserver" } }] };
const weighted = (stable: number, canary: number) => ({
  route: [
    { destination: { host: "echoserver" }, weight: stable },
    { destination: { host: "echoserver-canary" }, weight: canary },
  ],
});

async function expectStep(s: Scene, http: Obj[]): Promise<void> {
  const vs = await s.api.mustGet(vsVersion, "VirtualService", "vs-demo");
  expect(vs.spec).toEqual({ ...s.originals.vs?.spec, http });
  // the snapshot of the original, and nothing else, is added to the metadata
  expect(Object.keys(vs.metadata.annotations ?? {})).toEqual([snapshotKey]);
  expect(JSON.parse(vs.metadata.annotations[snapshotKey])).toEqual({ spec: s.originals.vs?.spec });
  expect(vs.metadata.labels).toBeUndefined();
  const dr = await s.api.mustGet(drVersion, "DestinationRule", "ds-demo");
  expect(dr.spec).toEqual({
    ...s.originals.dr?.spec,
    subsets: [
      { labels: { version: "base" }, name: "echoserver" },
      { name: "canary", labels: { "istio.service.tag": "gray" } },
    ],
  });
  expect(JSON.parse(dr.metadata.annotations[snapshotKey])).toEqual({ spec: s.originals.dr?.spec });
  const canaryHash = await revisionOf(s.api, v2Image);
  const canarySvc = await s.api.mustGet("v1", "Service", "echoserver-canary");
  expect(canarySvc.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": canaryHash });
  const stableSvc = await s.api.mustGet("v1", "Service", "echoserver");
  expect(stableSvc.spec.selector).toEqual({ app: "echoserver", "pod-template-hash": s.stableHash });
}

async function expectRestored(s: Scene): Promise<void> {
  await s.api.gone("v1", "Service", "echoserver-canary");
  expect(restorable(await s.api.get("v1", "Service", "echoserver"))).toEqual(s.originals.service);
  expect(restorable(await s.api.get(vsVersion, "VirtualService", "vs-demo"))).toEqual(s.originals.vs);
  expect(restorable(await s.api.get(drVersion, "DestinationRule", "ds-demo"))).toEqual(s.originals.dr);
}

function expectNoUnreadyTraffic(watch: TrafficWatch): void {
  expect(watch.violations).toEqual([]);
  expect(watch.checkedStates).toBeGreaterThan(0);
}

describe("Istio VirtualService and DestinationRule (built-in Lua)", () => {
  it("routes weights, then matches with a header modifier, and restores both objects on completion", async () => {
    const s = await scene();
    // the fixture as stored: no weights, one route to the stable Service
    expect(s.originals.vs?.spec).toEqual({ hosts: ["*"], gateways: ["nginx-gateway"], http: [stableRoute] });
    const userAgent = { type: "Exact", name: "user-agent", value: "pc" };
    const query = { type: "RegularExpression", name: "canary", value: "tr.*" };
    await s.api.create(
      rolloutV1beta1("istio", {
        enableExtraWorkloadForCanary: true,
        steps: [
          { traffic: "20%", replicas: 1, pause: {} },
          { traffic: "50%", replicas: 2, pause: {} },
          {
            replicas: 2,
            matches: [
              { headers: [userAgent] },
              { path: { type: "Exact", value: "/canary" }, queryParams: [query] },
            ],
            requestHeaderModifier: { set: [{ name: "x-canary", value: "true" }], remove: ["x-debug"] },
            pause: {},
          },
        ],
        trafficRoutings: routing,
      }),
    );
    await waitForPhase(cluster, s.ns, "istio", "Healthy");
    const watch = new TrafficWatch(s.api, virtualServiceRoutes("vs-demo"));
    await setImage(s.api, "echoserver", v2Image);

    const headers = { request: { set: { "x-canary": "true" }, remove: ["x-debug"] } };
    const toCanary = [{ destination: { host: "echoserver-canary" } }];
    const expected: Obj[][] = [
      [weighted(80, 20)],
      [weighted(50, 50)],
      // one route per match, each put in front, so the last match comes first
      [
        {
          match: [{ uri: { exact: "/canary" }, queryParams: { canary: { regex: "tr.*" } } }],
          route: toCanary,
          headers,
        },
        { match: [{ headers: { "user-agent": { exact: "pc" } } }], route: toCanary, headers },
        stableRoute,
      ],
    ];
    for (const [i, http] of expected.entries()) {
      await waitForStep(cluster, s.ns, "istio", i + 1, "StepPaused");
      await expectStep(s, http);
      await approve(cluster, s.ns, "istio");
    }

    const done = await waitForPhase(cluster, s.ns, "istio", "Healthy");
    expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
    await expectRestored(s);
    await watch.stop();
    expectNoUnreadyTraffic(watch);
  });

  it("restores both objects when the Rollout is deleted mid-flight", async () => {
    const s = await scene();
    await s.api.create(
      rolloutV1beta1("istio-deleted", {
        enableExtraWorkloadForCanary: true,
        steps: [
          { traffic: "40%", replicas: 2, pause: {} },
          { traffic: "80%", replicas: 4, pause: {} },
        ],
        trafficRoutings: routing,
      }),
    );
    await waitForPhase(cluster, s.ns, "istio-deleted", "Healthy");
    const watch = new TrafficWatch(s.api, virtualServiceRoutes("vs-demo"));
    await setImage(s.api, "echoserver", v2Image);
    await waitForStep(cluster, s.ns, "istio-deleted", 1, "StepPaused");
    await expectStep(s, [weighted(60, 40)]);

    await s.api.delete("rollouts.kruise.io/v1beta1", "Rollout", "istio-deleted");
    await s.api.gone("rollouts.kruise.io/v1beta1", "Rollout", "istio-deleted", 90_000);
    await expectRestored(s);
    await watch.stop();
    expectNoUnreadyTraffic(watch);
  });
});
