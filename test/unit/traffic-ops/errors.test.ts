// Failures come back as `error` naming the object or script, with nothing written; they never
// throw. Also: user Lua overrides from the ConfigMap, and the composite of several providers.

import { beforeAll, describe, expect, it } from "vitest";
import { observeNetwork } from "../../../src/controller/read-network.js";
import { bindTrafficOps } from "../../../src/controller/traffic-ops.js";
import type { CanaryStep } from "../../../src/rollout/model.js";
import { createLuaVm, type LuaVm } from "../../../src/traffic/lua-vm.js";
import type { KubeObject } from "../../../src/traffic/model.js";
import {
  configNamespace,
  ingress,
  namespace,
  opsFor,
  revisions,
  rollout,
  Store,
  service,
} from "./fixtures.js";

let vm: LuaVm;
beforeAll(async () => {
  vm = await createLuaVm();
});

const step: CanaryStep = { traffic: "5%" };
const ingressRollout = rollout({
  steps: [step],
  trafficRoutings: [{ service: "echoserver", ingress: { name: "echoserver" } }],
});

function configMap(data: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "kruise-rollout-configuration", namespace: configNamespace },
    data,
  } as KubeObject;
}

/** Pins the stable Service and creates the canary Service, so the next pass reaches the providers. */
async function prepareServices(store: Store, subject = ingressRollout): Promise<void> {
  store.apply((await opsFor(store, subject, vm)).ensureRoutes(step).actions);
}

describe("missing objects", () => {
  it("names a missing Ingress while initializing and while routing", async () => {
    const store = new Store([service("echoserver")]);
    expect((await opsFor(store, ingressRollout, vm)).initialize()).toEqual({
      ok: false,
      error: "Ingress demo/echoserver not found",
    });
    await prepareServices(store);
    expect((await opsFor(store, ingressRollout, vm)).ensureRoutes(step)).toEqual({
      done: false,
      actions: [],
      error: "Ingress demo/echoserver not found",
    });
    // nothing to restore is not an error
    expect((await opsFor(store, ingressRollout, vm)).restoreGateway()).toEqual({ done: true, actions: [] });
  });

  it("names a missing stable Service", async () => {
    const ops = await opsFor(new Store([ingress("echoserver")]), ingressRollout, vm);
    const error = "Service demo/echoserver not found";
    expect(ops.initialize()).toEqual({ ok: false, error });
    expect(ops.patchStableService()).toEqual({ done: false, actions: [], error });
    expect(ops.ensureRoutes(step)).toEqual({ done: false, actions: [], error });
    expect(ops.restoreStableService()).toEqual({ done: true, actions: [] });
  });

  it("names a missing custom object and a custom kind without any script", async () => {
    const custom = rollout({
      steps: [step],
      trafficRoutings: [
        {
          service: "echoserver",
          customNetworkRefs: [{ apiVersion: "example.io/v1", kind: "Route", name: "r1" }],
        },
      ],
    });
    const store = new Store([service("echoserver")]);
    expect((await opsFor(store, custom, vm)).initialize()).toEqual({
      ok: false,
      error: "Route demo/r1 not found",
    });
    store.apply([
      {
        kind: "create",
        object: { apiVersion: "example.io/v1", kind: "Route", metadata: { name: "r1", namespace } },
      },
    ]);
    const init = (await opsFor(store, custom, vm)).initialize();
    expect(init.ok).toBe(false);
    expect(init.error).toContain("kruise-rollout/kruise-rollout-configuration");
  });

  it("reports a gateway without an HTTPRoute name", async () => {
    const subject = rollout({ steps: [step], trafficRoutings: [{ service: "echoserver", gateway: {} }] });
    const store = new Store([service("echoserver")]);
    await prepareServices(store, subject);
    const ops = await opsFor(store, subject, vm);
    expect(ops.initialize().error).toBe("trafficRoutings[0].gateway.httpRouteName is not set");
    expect(ops.ensureRoutes(step).error).toBe("trafficRoutings[0].gateway.httpRouteName is not set");
  });

  it("waits without writing while the status lacks the canary revision", async () => {
    const store = new Store([service("echoserver"), ingress("echoserver")]);
    const ops = await opsFor(store, ingressRollout, vm, { ...revisions, podTemplateHash: "" });
    expect(ops.ensureRoutes(step)).toEqual({ done: false, actions: [] });
  });
});

describe("Lua scripts from the ConfigMap", () => {
  it("lets a user's nginx script override the built-in one", async () => {
    const script = 'local a = obj.annotations or {}\na["example.com/weight"] = obj.weight\nreturn a';
    const store = new Store([
      service("echoserver"),
      ingress("echoserver"),
      configMap({ "lua.traffic.routing.ingress.nginx": script }),
    ]);
    await prepareServices(store);
    for (let pass = 0; pass < 2; pass++) {
      store.apply((await opsFor(store, ingressRollout, vm)).ensureRoutes(step).actions);
    }
    expect(store.find("Ingress", "echoserver-canary")?.metadata?.annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      "example.com/weight": "5",
    });
  });

  it("reports a failing script by its ConfigMap key and writes nothing", async () => {
    const store = new Store([
      service("echoserver"),
      ingress("echoserver"),
      configMap({ "lua.traffic.routing.ingress.nginx": 'error("no canary today")' }),
    ]);
    await prepareServices(store);
    const result = (await opsFor(store, ingressRollout, vm)).ensureRoutes(step);
    expect(result.done).toBe(false);
    expect(result.actions).toEqual([]);
    expect(result.error).toContain('lua script "lua.traffic.routing.ingress.nginx" failed');
    expect(result.error).toContain("no canary today");
  });
});

describe("several providers in one trafficRouting", () => {
  const route: KubeObject = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "echoserver", namespace },
    spec: { rules: [{ backendRefs: [{ kind: "Service", name: "echoserver", port: 80 }] }] },
  };
  const both = rollout({
    steps: [step],
    trafficRoutings: [
      { service: "echoserver", ingress: { name: "echoserver" }, gateway: { httpRouteName: "echoserver" } },
    ],
  });

  it("is done only when every provider is", async () => {
    const store = new Store([service("echoserver"), ingress("echoserver"), route]);
    await prepareServices(store, both);
    const first = (await opsFor(store, both, vm)).ensureRoutes(step);
    expect(first.done).toBe(false);
    expect(first.actions).toMatchObject([
      { kind: "create", object: { kind: "Ingress" } },
      { kind: "patch", target: { kind: "HTTPRoute" } },
    ]);
    store.apply(first.actions);
    // the HTTPRoute is settled now, the canary Ingress still needs its weight
    const second = (await opsFor(store, both, vm)).ensureRoutes(step);
    expect(second.done).toBe(false);
    expect(second.actions).toMatchObject([{ kind: "patch", target: { kind: "Ingress" } }]);
    store.apply(second.actions);
    expect((await opsFor(store, both, vm)).ensureRoutes(step)).toEqual({ done: true, actions: [] });
  });

  it("fails as a whole when one provider fails: the HTTPRoute is not written either", async () => {
    const store = new Store([service("echoserver"), route]);
    await prepareServices(store, both);
    expect((await opsFor(store, both, vm)).ensureRoutes(step)).toEqual({
      done: false,
      actions: [],
      error: "Ingress demo/echoserver not found",
    });
  });

  it("never modifies the observed objects", async () => {
    const store = new Store([service("echoserver"), ingress("echoserver"), route]);
    const network = await observeNetwork(store.get, both, configNamespace, vm);
    const before = structuredClone({ ...network, vm: undefined });
    const ops = bindTrafficOps(network, { rollout: both, ...revisions });
    ops.patchStableService();
    ops.ensureRoutes(step);
    ops.routeAllTrafficToNew();
    ops.restoreGateway();
    ops.restoreStableService();
    ops.removeCanaryService();
    expect({ ...network, vm: undefined }).toEqual(before);
  });
});
