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
  type Obj,
  oneFixture,
  rawClient,
  restorable,
  rolloutV1beta1,
  setImage,
  v2Image,
} from "./support/traffic.js";

// Beyond upstream's single routing: several trafficRoutings moved together by one
// Rollout, and the TrafficRouting object (spec §5.7) that one canary shares.

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

async function namespace(prefix: string): Promise<Api> {
  const ns = await createNamespace(cluster, prefix);
  namespaces.push(ns);
  return new Api(raw, ns);
}

describe("several trafficRoutings in one Rollout", () => {
  it("moves an nginx Ingress and an HTTPRoute together and restores both", async () => {
    const api = await namespace("tr-multi");
    const service = await createEchoserver(api, 4);
    const ingress = await api.create(oneFixture("rollout/nginx_ingress.yaml"));
    const route = await api.create({ ...oneFixture("gateway/httproute-test.yaml"), apiVersion: routeV1 });
    const originals = {
      service: restorable(service),
      ingress: restorable(ingress),
      route: restorable(route),
    };
    await api.create(
      rolloutV1beta1("multi", {
        enableExtraWorkloadForCanary: true,
        steps: [{ traffic: "20%", replicas: 1, pause: {} }, { replicas: "100%" }],
        trafficRoutings: [
          { service: "echoserver", gracePeriodSeconds: 0, ingress: { name: ingress.metadata.name } },
          { service: "echoserver", gracePeriodSeconds: 0, gateway: { httpRouteName: route.metadata.name } },
        ],
      }),
    );
    await waitForPhase(cluster, api.namespace, "multi", "Healthy");
    await setImage(api, "echoserver", v2Image);
    await waitForStep(cluster, api.namespace, "multi", 1, "StepPaused");

    const canaryIngress = await api.mustGet(
      "networking.k8s.io/v1",
      "Ingress",
      `${ingress.metadata.name}-canary`,
    );
    expect(canaryIngress.metadata.annotations).toMatchObject({
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "20",
    });
    const weights = (
      (await api.mustGet(routeV1, "HTTPRoute", route.metadata.name)).spec.rules as Obj[]
    ).flatMap((r) => (r.backendRefs as Obj[]).map((b) => [b.name, b.weight]));
    expect(weights).toEqual([
      ["echoserver", 80],
      ["echoserver-canary", 20],
    ]);

    await approve(cluster, api.namespace, "multi");
    await waitForPhase(cluster, api.namespace, "multi", "Healthy");
    await api.gone("networking.k8s.io/v1", "Ingress", `${ingress.metadata.name}-canary`);
    await api.gone("v1", "Service", "echoserver-canary");
    expect(restorable(await api.get("v1", "Service", "echoserver"))).toEqual(originals.service);
    expect(restorable(await api.get("networking.k8s.io/v1", "Ingress", ingress.metadata.name))).toEqual(
      originals.ingress,
    );
    // Restoring leaves the stable backend at weight 1, as upstream does.
    expect(restorable(await api.get(routeV1, "HTTPRoute", route.metadata.name))).toEqual(originals.route);
  });
});

describe("the TrafficRouting object", () => {
  it("routes its own weight while a Rollout holds it, and restores when the Rollout completes", async () => {
    const api = await namespace("tr-object");
    await createEchoserver(api, 4);
    const ingress = await api.create(oneFixture("rollout/nginx_ingress.yaml"));
    await api.create({
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "TrafficRouting",
      metadata: { name: "shared" },
      spec: {
        objectRef: [
          { service: "echoserver", gracePeriodSeconds: 0, ingress: { name: ingress.metadata.name } },
        ],
        strategy: { weight: 10 },
      },
    });
    const healthy = await eventually("TrafficRouting Healthy", async () => {
      const tr = await api.get("rollouts.kruise.io/v1alpha1", "TrafficRouting", "shared");
      return tr?.status?.phase === "Healthy" ? tr : undefined;
    });
    expect(healthy.metadata.finalizers).toEqual(["rollouts.kruise.io/trafficrouting"]);
    expect(healthy.status.message).toBe("TrafficRouting is Healthy");

    const rollout = rolloutV1beta1("app", {
      enableExtraWorkloadForCanary: true,
      steps: [{ replicas: 1, pause: {} }, { replicas: "100%" }],
    });
    rollout.metadata.annotations = { "rollouts.kruise.io/trafficrouting": "shared" };
    await api.create(rollout);
    await waitForPhase(cluster, api.namespace, "app", "Healthy");
    await setImage(api, "echoserver", v2Image);
    await waitForStep(cluster, api.namespace, "app", 1, "StepPaused");

    const progressing = await eventually("TrafficRouting Progressing with its canary Ingress", async () => {
      const tr = await api.get("rollouts.kruise.io/v1alpha1", "TrafficRouting", "shared");
      const canary = await api.get("networking.k8s.io/v1", "Ingress", `${ingress.metadata.name}-canary`);
      return tr?.status?.phase === "Progressing" &&
        canary?.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"] === "10"
        ? { tr, canary }
        : undefined;
    });
    expect(progressing.tr.metadata.finalizers).toEqual([
      "rollouts.kruise.io/trafficrouting",
      "progressing.rollouts.kruise.io/app",
    ]);
    // A shared canary never touches Service selectors: its canary backend is the stable Service.
    const backends = (progressing.canary.spec.rules as Obj[]).flatMap((r) =>
      (r.http.paths as Obj[]).map((p) => p.backend.service.name),
    );
    expect(new Set(backends)).toEqual(new Set(["echoserver"]));
    expect(await api.get("v1", "Service", "echoserver-canary")).toBeUndefined();

    await approve(cluster, api.namespace, "app");
    await waitForPhase(cluster, api.namespace, "app", "Healthy");
    const released = await eventually("TrafficRouting Healthy again", async () => {
      const tr = await api.get("rollouts.kruise.io/v1alpha1", "TrafficRouting", "shared");
      return tr?.status?.phase === "Healthy" ? tr : undefined;
    });
    expect(released.metadata.finalizers).toEqual(["rollouts.kruise.io/trafficrouting"]);
    await api.gone("networking.k8s.io/v1", "Ingress", `${ingress.metadata.name}-canary`);

    // Deleting the object restores traffic before its finalizer lets it go.
    await raw.request({
      method: "DELETE",
      path: `/apis/rollouts.kruise.io/v1alpha1/namespaces/${api.namespace}/trafficroutings/shared`,
    });
    await api.gone("rollouts.kruise.io/v1alpha1", "TrafficRouting", "shared");
  });
});
