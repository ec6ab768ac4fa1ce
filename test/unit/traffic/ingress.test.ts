import { beforeAll, describe, expect, it } from "vitest";
import {
  annotationsMergePatch,
  buildCanaryIngress,
  canaryAnnotations,
  ensureIngressRoutes,
  finaliseIngress,
  type IngressContext,
} from "../../../src/traffic/ingress.js";
import { createLuaVm, type LuaVm } from "../../../src/traffic/lua-vm.js";
import type { HttpRouteMatch, Ingress } from "../../../src/traffic/model.js";
import { resolveIngressScript } from "../../../src/traffic/script-source.js";

let vm: LuaVm;
beforeAll(async () => {
  vm = await createLuaVm();
});

const owner = {
  apiVersion: "rollouts.kruise.io/v1beta1",
  kind: "Rollout",
  name: "rollouts-demo",
  uid: "u1",
  controller: true,
  blockOwnerDeletion: true,
};

// The seed's Ingress (openkruise/rollouts docs/tutorials/basic_usage.md), plus a foreign path.
const stable: Ingress = {
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: {
    name: "echoserver",
    namespace: "demo",
    annotations: { "kubernetes.io/ingress.class": "nginx" },
    labels: { app: "echoserver" },
  },
  spec: {
    rules: [
      {
        host: "echoserver.example.com",
        http: {
          paths: [
            {
              path: "/apis/echo",
              pathType: "Exact",
              backend: { service: { name: "echoserver", port: { number: 80 } } },
            },
            {
              path: "/other",
              pathType: "Prefix",
              backend: { service: { name: "other", port: { number: 80 } } },
            },
          ],
        },
      },
      {
        host: "unrelated.example.com",
        http: {
          paths: [
            { path: "/", pathType: "Prefix", backend: { service: { name: "other", port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
};

function context(classType?: string, config?: Record<string, string>): IngressContext {
  const script = resolveIngressScript(classType, config);
  if (!script.ok) throw new Error(script.error.message);
  return {
    namespace: "demo",
    ingressName: "echoserver",
    stableService: "echoserver",
    canaryService: "echoserver-canary",
    ownerRef: owner,
    script: script.value,
    vm,
  };
}

const nginx = "nginx.ingress.kubernetes.io/";

function annotate(
  ctx: IngressContext,
  weight: number | undefined,
  matches?: HttpRouteMatch[],
  current: Record<string, string> = { "kubernetes.io/ingress.class": "nginx" },
) {
  const result = canaryAnnotations(ctx, current, weight, matches, undefined);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe("canary Ingress", () => {
  it("copies only the stable Service's paths, re-pointed at the canary Service", () => {
    expect(buildCanaryIngress(stable, context())).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: "echoserver-canary",
        namespace: "demo",
        annotations: { "kubernetes.io/ingress.class": "nginx" },
        labels: { app: "echoserver" },
        ownerReferences: [owner],
      },
      spec: {
        rules: [
          {
            host: "echoserver.example.com",
            http: {
              paths: [
                {
                  path: "/apis/echo",
                  pathType: "Exact",
                  backend: { service: { name: "echoserver-canary", port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    });
  });

  it("is created first with weight 0 (seed step 1), then patched to the step's weight", () => {
    const ctx = context();
    const created = ensureIngressRoutes({ stable, canary: undefined }, { traffic: "5%" }, ctx);
    expect(created.ok && created.value.done).toBe(false);
    const action = created.ok ? created.value.actions[0] : undefined;
    expect(action?.kind).toBe("create");
    const canary = action?.kind === "create" ? (action.object as Ingress) : undefined;
    expect(canary?.metadata?.annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      [`${nginx}canary`]: "true",
      [`${nginx}canary-weight`]: "0",
    });

    const patched = ensureIngressRoutes({ stable, canary }, { traffic: "5%" }, ctx);
    expect(patched).toEqual({
      ok: true,
      value: {
        done: false,
        actions: [
          {
            kind: "patch",
            target: {
              apiVersion: "networking.k8s.io/v1",
              kind: "Ingress",
              namespace: "demo",
              name: "echoserver-canary",
            },
            patchType: "merge",
            patch: { metadata: { annotations: { [`${nginx}canary-weight`]: "5" } } },
          },
        ],
      },
    });

    const applied = structuredClone(canary) as Ingress;
    (applied.metadata?.annotations ?? {})[`${nginx}canary-weight`] = "5";
    expect(ensureIngressRoutes({ stable, canary: applied }, { traffic: "5%" }, ctx)).toEqual({
      ok: true,
      value: { done: true, actions: [] },
    });
  });

  it("is never created for weight 0", () => {
    expect(ensureIngressRoutes({ stable, canary: undefined }, { traffic: "0%" }, context())).toEqual({
      ok: true,
      value: { done: true, actions: [] },
    });
  });

  it("needs the stable Ingress to create the canary one", () => {
    expect(
      ensureIngressRoutes({ stable: undefined, canary: undefined }, { traffic: "5%" }, context()),
    ).toMatchObject({ ok: false, error: { kind: "invalid-object" } });
  });

  it("is deleted on finalise, once", () => {
    const canary = buildCanaryIngress(stable, context());
    expect(finaliseIngress(canary).actions).toEqual([
      {
        kind: "delete",
        target: {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          namespace: "demo",
          name: "echoserver-canary",
        },
      },
    ]);
    expect(finaliseIngress(undefined)).toEqual({ done: true, actions: [] });
    expect(
      finaliseIngress({
        ...canary,
        metadata: { ...canary.metadata, deletionTimestamp: "2024-01-01T00:00:00Z" },
      }).done,
    ).toBe(true);
  });

  it("merge-patches removed annotations to null", () => {
    expect(annotationsMergePatch({ a: "1", b: "2" }, { a: "1", c: "3" })).toEqual({ b: null, c: "3" });
    expect(annotationsMergePatch({ a: "1" }, { a: "1" })).toBeUndefined();
  });
});

describe("built-in nginx script", () => {
  const exact = { headers: [{ type: "Exact", name: "user-agent", value: "pc" }] };
  const regex = { headers: [{ type: "RegularExpression", name: "name", value: ".*demo" }] };
  const cookie = { headers: [{ type: "Exact", name: "canary-by-cookie", value: "demo" }] };

  it("writes an exact header match and drops the weight when none is set", () => {
    const current = {
      "kubernetes.io/ingress.class": "nginx",
      [`${nginx}canary`]: "true",
      [`${nginx}canary-weight`]: "20",
    };
    expect(annotate(context(), undefined, [exact], current)).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      [`${nginx}canary`]: "true",
      [`${nginx}canary-by-header`]: "user-agent",
      [`${nginx}canary-by-header-value`]: "pc",
    });
  });

  it("writes a pattern for RegularExpression, a cookie for canary-by-cookie, and keeps the weight", () => {
    expect(annotate(context(), 30, [regex, cookie])).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      [`${nginx}canary`]: "true",
      [`${nginx}canary-weight`]: "30",
      [`${nginx}canary-by-header`]: "name",
      [`${nginx}canary-by-header-pattern`]: ".*demo",
      [`${nginx}canary-by-cookie`]: "demo",
    });
  });

  it("clears earlier header rules on a plain weight step, and skips matches without headers", () => {
    const current = {
      [`${nginx}canary`]: "true",
      [`${nginx}canary-by-header`]: "x",
      [`${nginx}canary-by-header-value`]: "y",
      [`${nginx}canary-by-cookie`]: "z",
    };
    expect(annotate(context(), 50, [{ queryParams: [{ name: "q", value: "1" }] }], current)).toEqual({
      [`${nginx}canary`]: "true",
      [`${nginx}canary-weight`]: "50",
    });
  });
});

describe("other ingress classes", () => {
  const header = {
    headers: [{ type: "Exact", name: "user-agent", value: "pc" }],
    queryParams: [{ type: "RegularExpression", name: "q", value: "a.*" }],
  };

  it("aliyun-alb uses the alb prefix and order 1", () => {
    expect(annotate(context("aliyun-alb"), 10, [header], {})).toEqual({
      "alb.ingress.kubernetes.io/canary": "true",
      "alb.ingress.kubernetes.io/order": "1",
      "alb.ingress.kubernetes.io/canary-weight": "10",
      "alb.ingress.kubernetes.io/canary-by-header": "user-agent",
      "alb.ingress.kubernetes.io/canary-by-header-value": "pc",
    });
  });

  it("higress uses the nginx annotations", () => {
    expect(annotate(context("higress"), 10, [header], {})).toEqual(
      annotate(context("nginx"), 10, [header], {}),
    );
  });

  it("mse adds query matches, the gray subset and the header modifier", () => {
    const ctx = context("mse");
    const current = {
      "mse.ingress.kubernetes.io/service-subset": "v1",
      "mse.ingress.kubernetes.io/canary-by-query": "old",
    };
    const result = canaryAnnotations(ctx, current, 10, [header], {
      set: [
        { name: "a", value: "1" },
        { name: "b", value: "2" },
      ],
    });
    expect(result).toEqual({
      ok: true,
      value: {
        [`${nginx}canary`]: "true",
        [`${nginx}canary-weight`]: "10",
        "mse.ingress.kubernetes.io/service-subset": "gray",
        "mse.ingress.kubernetes.io/request-header-control-update": "a 1b 2",
        [`${nginx}canary-by-header`]: "user-agent",
        [`${nginx}canary-by-header-value`]: "pc",
        [`${nginx}canary-by-query`]: "q",
        [`${nginx}canary-by-query-pattern`]: "a.*",
      },
    });
  });

  it("an unknown class without a ConfigMap script is an error", () => {
    expect(resolveIngressScript("traefik", undefined)).toMatchObject({
      ok: false,
      error: { kind: "script-not-found" },
    });
  });
});

describe("user override from kruise-rollout-configuration", () => {
  it("replaces the built-in script", () => {
    const script = 'local a = obj.annotations or {}\na["custom/weight"] = obj.weight\nreturn a';
    const ctx = context("nginx", { "lua.traffic.routing.ingress.nginx": script });
    expect(ctx.script).toEqual({ key: "lua.traffic.routing.ingress.nginx", source: "configmap", script });
    expect(annotate(ctx, 40, undefined, {})).toEqual({ "custom/weight": "40" });
  });

  it("serves a class that has no built-in script", () => {
    const ctx = context("traefik", { "lua.traffic.routing.ingress.traefik": "return { t = obj.weight }" });
    expect(annotate(ctx, 7, undefined, {})).toEqual({ t: "7" });
  });

  it("is ignored when empty, as upstream does", () => {
    expect(context("nginx", { "lua.traffic.routing.ingress.nginx": "" }).script.source).toBe("builtin");
  });

  it("a broken script is an error naming its key, not an exception", () => {
    const ctx = context("nginx", { "lua.traffic.routing.ingress.nginx": "return obj.annotations[" });
    const result = ensureIngressRoutes(
      { stable, canary: buildCanaryIngress(stable, ctx) },
      { traffic: "5%" },
      ctx,
    );
    expect(result).toMatchObject({
      ok: false,
      error: { kind: "lua-syntax", scriptKey: "lua.traffic.routing.ingress.nginx" },
    });
    if (!result.ok)
      expect(result.error.message).toContain('lua script "lua.traffic.routing.ingress.nginx" failed');
  });

  it("a script returning non-string annotations is an error", () => {
    const ctx = context("nginx", { "lua.traffic.routing.ingress.nginx": "return { weight = 5 }" });
    expect(canaryAnnotations(ctx, {}, 5, undefined, undefined)).toMatchObject({
      ok: false,
      error: { kind: "lua-result" },
    });
  });
});
