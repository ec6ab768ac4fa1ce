import { beforeAll, describe, expect, it } from "vitest";
import {
  type CustomContext,
  type CustomTarget,
  ensureCustomRoutes,
  finaliseCustomRoutes,
  originalSpecAnnotation,
  snapshotOf,
} from "../../../src/traffic/lua-custom.js";
import { createLuaVm, type LuaVm } from "../../../src/traffic/lua-vm.js";
import type { KubeObject, ObjectRef, TrafficRoutingStrategy } from "../../../src/traffic/model.js";
import { resolveCustomScript } from "../../../src/traffic/script-source.js";

let vm: LuaVm;
beforeAll(async () => {
  vm = await createLuaVm();
});

const vsRef: ObjectRef = {
  apiVersion: "networking.istio.io/v1beta1",
  kind: "VirtualService",
  name: "vs-demo",
};
const drRef: ObjectRef = {
  apiVersion: "networking.istio.io/v1beta1",
  kind: "DestinationRule",
  name: "dr-demo",
};

function virtualService(http: unknown[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "networking.istio.io/v1beta1",
    kind: "VirtualService",
    metadata: {
      name: "vs-demo",
      namespace: "demo",
      resourceVersion: "3",
      labels: { app: "demo" },
      annotations: { note: "keep" },
    },
    spec: { hosts: ["*"], gateways: ["nginx-gateway"], http, ...extra },
  };
}

function target(
  ref: ObjectRef,
  object: KubeObject | undefined,
  config?: Record<string, string>,
): CustomTarget {
  const script = resolveCustomScript(ref, config);
  if (!script.ok) throw new Error(script.error.message);
  return { ref, object, script: script.value };
}

function ctx(canaryService = "svc-demo-canary"): CustomContext {
  return { stableService: "svc-demo", canaryService, vm };
}

/** The spec written for one step, starting from `object`. */
function stepSpec(object: KubeObject, strategy: TrafficRoutingStrategy, context = ctx()): unknown {
  const result = ensureCustomRoutes([target(vsRef, object)], strategy, context);
  if (!result.ok) throw new Error(result.error.message);
  const action = result.value.actions[0];
  if (action?.kind !== "replace") throw new Error("expected a replace");
  return action.object.spec;
}

const base = virtualService([{ route: [{ destination: { host: "svc-demo" } }] }]);
const userAgent = { type: "Exact", name: "user-agent", value: "pc" };
const nameRegex = { type: "RegularExpression", name: "name", value: ".*demo" };

describe("built-in VirtualService script", () => {
  it("puts a match route for the canary in front (one match, two headers, header modifier)", () => {
    expect(
      stepSpec(base, {
        matches: [{ headers: [userAgent, nameRegex] }],
        requestHeaderModifier: { set: [{ name: "header-foo", value: "bar" }] },
      }),
    ).toEqual({
      hosts: ["*"],
      gateways: ["nginx-gateway"],
      http: [
        {
          match: [{ headers: { "user-agent": { exact: "pc" }, name: { regex: ".*demo" } } }],
          headers: { request: { set: { "header-foo": "bar" } } },
          route: [{ destination: { host: "svc-demo-canary" } }],
        },
        { route: [{ destination: { host: "svc-demo" } }] },
      ],
    });
  });

  it("inserts one route per match, the last match first", () => {
    expect(stepSpec(base, { matches: [{ headers: [userAgent] }, { headers: [nameRegex] }] })).toMatchObject({
      http: [
        {
          match: [{ headers: { name: { regex: ".*demo" } } }],
          route: [{ destination: { host: "svc-demo-canary" } }],
        },
        {
          match: [{ headers: { "user-agent": { exact: "pc" } } }],
          route: [{ destination: { host: "svc-demo-canary" } }],
        },
        { route: [{ destination: { host: "svc-demo" } }] },
      ],
    });
  });

  it("converts paths and query params, and add/remove header operations", () => {
    const spec = stepSpec(base, {
      matches: [
        {
          path: { type: "PathPrefix", value: "/v2" },
          queryParams: [{ type: "Exact", name: "beta", value: "1" }],
        },
      ],
      requestHeaderModifier: { add: [{ name: "x-canary", value: "1" }], remove: ["x-old"] },
    }) as { http: unknown[] };
    expect(spec.http[0]).toEqual({
      match: [{ uri: { prefix: "/v2" }, queryParams: { beta: { exact: "1" } } }],
      headers: { request: { add: { "x-canary": "1" }, remove: ["x-old"] } },
      route: [{ destination: { host: "svc-demo-canary" } }],
    });
  });

  it("routes to the `canary` subset when the canary Service is the stable one", () => {
    const subsetBase = virtualService([{ route: [{ destination: { host: "svc-demo", subset: "base" } }] }]);
    expect(stepSpec(subsetBase, { traffic: "50%" }, ctx("svc-demo"))).toMatchObject({
      http: [
        {
          route: [
            { destination: { host: "svc-demo", subset: "base" }, weight: 50 },
            { destination: { host: "svc-demo", subset: "canary" }, weight: 50 },
          ],
        },
      ],
    });
  });

  it("scales existing weights, skips rules with a match, and covers tcp and tls", () => {
    const object = virtualService(
      [
        { match: [{ uri: { prefix: "/admin" } }], route: [{ destination: { host: "svc-demo" } }] },
        {
          route: [
            { destination: { host: "svc-demo.demo.svc.cluster.local" }, weight: 90 },
            { destination: { host: "legacy" }, weight: 10 },
          ],
        },
      ],
      { tcp: [{ route: [{ destination: { host: "svc-demo" } }] }] },
    );
    expect(stepSpec(object, { traffic: "30%" })).toEqual({
      hosts: ["*"],
      gateways: ["nginx-gateway"],
      http: [
        { match: [{ uri: { prefix: "/admin" } }], route: [{ destination: { host: "svc-demo" } }] },
        {
          route: [
            { destination: { host: "svc-demo.demo.svc.cluster.local" }, weight: 63 },
            { destination: { host: "legacy" }, weight: 7 },
            { destination: { host: "svc-demo-canary" }, weight: 30 },
          ],
        },
      ],
      tcp: [
        {
          route: [
            { destination: { host: "svc-demo" }, weight: 70 },
            { destination: { host: "svc-demo-canary" }, weight: 30 },
          ],
        },
      ],
    });
  });

  it("reads a step without weight as 100% canary", () => {
    expect(stepSpec(base, { matches: [] })).toMatchObject({
      http: [
        {
          route: [
            { destination: { host: "svc-demo" }, weight: 0 },
            { destination: { host: "svc-demo-canary" }, weight: 100 },
          ],
        },
      ],
    });
  });
});

describe("custom provider lifecycle", () => {
  it("stores the original in the snapshot annotation, in Go's JSON form", () => {
    expect(snapshotOf(base)).toBe(
      '{"spec":{"gateways":["nginx-gateway"],"hosts":["*"],"http":[{"route":[{"destination":{"host":"svc-demo"}}]}]},"labels":{"app":"demo"},"annotations":{"note":"keep"}}',
    );
  });

  it("writes the step on top of the snapshot, keeps labels and annotations, and is idempotent", () => {
    const first = ensureCustomRoutes([target(vsRef, base)], { traffic: "20%" }, ctx());
    expect(first.ok && first.value.done).toBe(false);
    const written =
      first.ok && first.value.actions[0]?.kind === "replace" ? first.value.actions[0].object : undefined;
    expect(written?.metadata).toEqual({
      name: "vs-demo",
      namespace: "demo",
      resourceVersion: "3",
      labels: { app: "demo" },
      annotations: { note: "keep", [originalSpecAnnotation]: snapshotOf(base) },
    });
    expect(ensureCustomRoutes([target(vsRef, written)], { traffic: "20%" }, ctx())).toEqual({
      ok: true,
      value: { done: true, actions: [] },
    });

    // the next step starts again from the snapshot, not from 20%
    const next = ensureCustomRoutes([target(vsRef, written)], { traffic: "60%" }, ctx());
    const nextSpec =
      next.ok && next.value.actions[0]?.kind === "replace" ? next.value.actions[0].object.spec : undefined;
    expect(nextSpec).toMatchObject({ http: [{ route: [{ weight: 40 }, { weight: 60 }] }] });
  });

  it("restores exactly the original object, and then has nothing left to do", () => {
    const withoutMeta: KubeObject = {
      ...base,
      metadata: { name: "vs-demo", namespace: "demo", resourceVersion: "3" },
    };
    for (const original of [base, withoutMeta]) {
      const step = ensureCustomRoutes(
        [target(vsRef, original)],
        { matches: [{ headers: [userAgent] }] },
        ctx(),
      );
      const during =
        step.ok && step.value.actions[0]?.kind === "replace" ? step.value.actions[0].object : undefined;
      const restored = finaliseCustomRoutes([target(vsRef, during)]);
      expect(restored.ok && restored.value.actions).toEqual([{ kind: "replace", object: original }]);
      expect(finaliseCustomRoutes([target(vsRef, original)])).toEqual({
        ok: true,
        value: { done: true, actions: [] },
      });
    }
  });

  it("adds the canary subset to a DestinationRule", () => {
    const dr: KubeObject = {
      apiVersion: "networking.istio.io/v1beta1",
      kind: "DestinationRule",
      metadata: { name: "dr-demo", namespace: "demo" },
      spec: { host: "svc-demo", subsets: [{ name: "base", labels: { version: "base" } }] },
    };
    const result = ensureCustomRoutes([target(drRef, dr)], { traffic: "20%" }, ctx("svc-demo"));
    const spec =
      result.ok && result.value.actions[0]?.kind === "replace"
        ? result.value.actions[0].object.spec
        : undefined;
    expect(spec).toEqual({
      host: "svc-demo",
      subsets: [
        { name: "base", labels: { version: "base" } },
        { name: "canary", labels: { "istio.service.tag": "gray" } },
      ],
    });
  });

  it("changes nothing when one object's script fails", () => {
    const broken = {
      ref: { apiVersion: "example.io/v1", kind: "Route", name: "r" },
      object: base,
      script: {
        key: "lua.traffic.routing.Route.example.io",
        source: "configmap" as const,
        script: "error('no route for ' .. obj.stableService)",
      },
    };
    const result = ensureCustomRoutes([target(vsRef, base), broken], { traffic: "20%" }, ctx());
    expect(result).toEqual({
      ok: false,
      error: {
        kind: "lua-runtime",
        scriptKey: "lua.traffic.routing.Route.example.io",
        message:
          'lua script "lua.traffic.routing.Route.example.io" failed: lua.traffic.routing.Route.example.io:1: no route for svc-demo',
      },
    });
  });

  it("stops a user script that loops forever", () => {
    const looping = {
      ...target(vsRef, base),
      script: {
        key: "lua.traffic.routing.Route.example.io",
        source: "configmap" as const,
        script: "while true do end",
      },
    };
    expect(ensureCustomRoutes([looping], { traffic: "20%" }, ctx())).toMatchObject({
      ok: false,
      error: { kind: "lua-timeout", scriptKey: "lua.traffic.routing.Route.example.io" },
    });
  });

  it("is an error when the object does not exist", () => {
    expect(ensureCustomRoutes([target(vsRef, undefined)], { traffic: "20%" }, ctx())).toMatchObject({
      ok: false,
      error: { kind: "invalid-object" },
    });
  });
});

describe("custom script resolution", () => {
  const route: ObjectRef = { apiVersion: "example.io/v1", kind: "Route", name: "r" };

  it("prefers the built-in script over the ConfigMap", () => {
    const resolved = resolveCustomScript(vsRef, {
      "lua.traffic.routing.VirtualService.networking.istio.io": "return {}",
    });
    expect(resolved).toMatchObject({
      ok: true,
      value: {
        source: "builtin",
        key: "lua_configuration/networking.istio.io/VirtualService/trafficRouting.lua",
      },
    });
  });

  it("reads other kinds from lua.traffic.routing.<Kind>.<group>", () => {
    expect(resolveCustomScript(route, { "lua.traffic.routing.Route.example.io": "return obj.data" })).toEqual(
      {
        ok: true,
        value: {
          key: "lua.traffic.routing.Route.example.io",
          source: "configmap",
          script: "return obj.data",
        },
      },
    );
    expect(resolveCustomScript(route, {})).toMatchObject({
      ok: false,
      error: { kind: "script-not-found", scriptKey: "lua.traffic.routing.Route.example.io" },
    });
    expect(resolveCustomScript(route, undefined)).toMatchObject({
      ok: false,
      error: { message: "failed to get ConfigMap(kruise-rollout/kruise-rollout-configuration)" },
    });
  });
});
