// Istio through customNetworkRefs and the built-in Lua scripts: the objects get a snapshot of
// what they were, every step is computed from it, and restoreGateway puts it back.

import { beforeAll, describe, expect, it } from "vitest";
import type { CanaryStep, Rollout } from "../../../src/rollout/model.js";
import { originalSpecAnnotation } from "../../../src/traffic/lua-custom.js";
import { createLuaVm, type LuaVm } from "../../../src/traffic/lua-vm.js";
import type { KubeObject } from "../../../src/traffic/model.js";
import { namespace, opsFor, rollout, Store, service, withoutVersion } from "./fixtures.js";

let vm: LuaVm;
beforeAll(async () => {
  vm = await createLuaVm();
});

const virtualService: KubeObject = {
  apiVersion: "networking.istio.io/v1beta1",
  kind: "VirtualService",
  metadata: { name: "vs-demo", namespace, labels: { app: "echoserver" } },
  spec: {
    hosts: ["echoserver.example.com"],
    gateways: ["nginx-gateway"],
    http: [{ route: [{ destination: { host: "echoserver" } }] }],
  },
};

const destinationRule: KubeObject = {
  apiVersion: "networking.istio.io/v1beta1",
  kind: "DestinationRule",
  metadata: { name: "dr-demo", namespace },
  spec: { host: "echoserver", subsets: [{ name: "base", labels: { version: "base" } }] },
};

const vsRef = { apiVersion: "networking.istio.io/v1beta1", kind: "VirtualService", name: "vs-demo" };
const drRef = { apiVersion: "networking.istio.io/v1beta1", kind: "DestinationRule", name: "dr-demo" };

function istioRollout(steps: CanaryStep[]): Rollout {
  return rollout({ steps, trafficRoutings: [{ service: "echoserver", customNetworkRefs: [vsRef] }] });
}

/** Drives ensureRoutes to done, applying each pass's writes. */
async function routeStep(store: Store, subject: Rollout, step: CanaryStep): Promise<void> {
  for (let pass = 0; pass < 5; pass++) {
    const result = (await opsFor(store, subject, vm)).ensureRoutes(step);
    expect(result.error).toBeUndefined();
    if (result.done) return;
    store.apply(result.actions);
  }
  throw new Error("ensureRoutes never reported done");
}

const vsSpec = (store: Store) => store.find("VirtualService", "vs-demo")?.spec;

describe("Istio VirtualService via the built-in Lua", () => {
  it("splits the weight, then routes matches, then restores the original", async () => {
    const steps: CanaryStep[] = [
      { traffic: "20%" },
      { matches: [{ headers: [{ type: "Exact", name: "user-agent", value: "pc" }] }] },
    ];
    const subject = istioRollout(steps);
    const store = new Store([service("echoserver"), virtualService]);
    expect((await opsFor(store, subject, vm)).initialize()).toEqual({ ok: true });

    await routeStep(store, subject, steps[0] as CanaryStep);
    expect(vsSpec(store)).toEqual({
      ...(virtualService.spec as object),
      http: [
        {
          route: [
            { destination: { host: "echoserver" }, weight: 80 },
            { destination: { host: "echoserver-canary" }, weight: 20 },
          ],
        },
      ],
    });
    expect(store.find("VirtualService", "vs-demo")?.metadata?.annotations).toHaveProperty(
      originalSpecAnnotation,
    );

    // computed from the snapshot: the 20% split does not linger under the match route
    await routeStep(store, subject, steps[1] as CanaryStep);
    expect(vsSpec(store)).toEqual({
      ...(virtualService.spec as object),
      http: [
        {
          match: [{ headers: { "user-agent": { exact: "pc" } } }],
          route: [{ destination: { host: "echoserver-canary" } }],
        },
        { route: [{ destination: { host: "echoserver" } }] },
      ],
    });

    const restored = (await opsFor(store, subject, vm)).restoreGateway();
    expect(restored.actions.map((action) => action.kind)).toEqual(["replace"]);
    store.apply(restored.actions);
    expect(withoutVersion(store.find("VirtualService", "vs-demo"))).toEqual(virtualService);
    expect((await opsFor(store, subject, vm)).restoreGateway()).toEqual({ done: true, actions: [] });
  });
});

describe("disableGenerateCanaryService", () => {
  const step: CanaryStep = { traffic: "20%" };
  const subject = rollout({
    steps: [step],
    disableGenerateCanaryService: true,
    patchPodTemplateMetadata: { labels: { "istio.service.tag": "gray" } },
    trafficRoutings: [{ service: "echoserver", customNetworkRefs: [vsRef, drRef] }],
  });

  it("never creates, pins or deletes a Service, and routes to the stable host's canary subset", async () => {
    const store = new Store([service("echoserver"), virtualService, destinationRule]);
    const ops = await opsFor(store, subject, vm);
    expect(ops.initialize()).toEqual({ ok: true });
    expect(ops.patchStableService()).toEqual({ done: true, actions: [] });

    // the first routing pass goes straight to the providers
    const routed = ops.ensureRoutes(step);
    expect(routed.actions.map((action) => action.kind === "replace" && action.object.kind)).toEqual([
      "VirtualService",
      "DestinationRule",
    ]);
    store.apply(routed.actions);
    expect((await opsFor(store, subject, vm)).ensureRoutes(step)).toEqual({ done: true, actions: [] });
    expect(vsSpec(store)).toMatchObject({
      http: [
        {
          route: [
            { destination: { host: "echoserver" }, weight: 80 },
            { destination: { host: "echoserver", subset: "canary" }, weight: 20 },
          ],
        },
      ],
    });
    expect(store.find("DestinationRule", "dr-demo")?.spec).toEqual({
      host: "echoserver",
      subsets: [
        { name: "base", labels: { version: "base" } },
        { name: "canary", labels: { "istio.service.tag": "gray" } },
      ],
    });
    expect(store.find("Service", "echoserver")?.spec).toEqual(service("echoserver").spec);

    const after = await opsFor(store, subject, vm);
    expect(after.restoreStableService()).toEqual({ done: true, actions: [] });
    expect(after.removeCanaryService()).toEqual({ done: true, actions: [] });
    store.apply(after.restoreGateway().actions);
    expect(withoutVersion(store.find("VirtualService", "vs-demo"))).toEqual(virtualService);
    expect(withoutVersion(store.find("DestinationRule", "dr-demo"))).toEqual(destinationRule);
    expect(store.names()).toEqual([
      `DestinationRule/${namespace}/dr-demo`,
      `Service/${namespace}/echoserver`,
      `VirtualService/${namespace}/vs-demo`,
    ]);
  });
});
