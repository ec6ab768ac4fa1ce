// Gateway API HTTPRoute, rewritten in place: weights on a weight step, canary match rules on an
// A/B step, and everything taken out again by restoreGateway.

import { beforeAll, describe, expect, it } from "vitest";
import type { CanaryStep, Rollout } from "../../../src/rollout/model.js";
import { createLuaVm, type LuaVm } from "../../../src/traffic/lua-vm.js";
import type { HTTPRoute, KubeObject } from "../../../src/traffic/model.js";
import { namespace, opsFor, rollout, Store, service, withoutVersion } from "./fixtures.js";

let vm: LuaVm;
beforeAll(async () => {
  vm = await createLuaVm();
});

const stableRef = { group: "", kind: "Service", name: "echoserver", port: 80, weight: 1 };
const canaryRef = { ...stableRef, name: "echoserver-canary" };
const echoMatch = { path: { type: "PathPrefix", value: "/apis/echo" } };

// As stored by an API server: the CRD defaults group, kind and weight on backendRefs.
const route: KubeObject = {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "HTTPRoute",
  metadata: { name: "echoserver", namespace },
  spec: {
    parentRefs: [{ name: "eg" }],
    hostnames: ["echoserver.example.com"],
    rules: [
      { matches: [echoMatch], backendRefs: [stableRef] },
      {
        matches: [{ path: { type: "PathPrefix", value: "/other" } }],
        backendRefs: [{ ...stableRef, name: "other" }],
      },
    ],
  },
};

function gatewayRollout(steps: CanaryStep[]): Rollout {
  return rollout({
    steps,
    trafficRoutings: [{ service: "echoserver", gateway: { httpRouteName: "echoserver" } }],
  });
}

/** Runs ensureRoutes pass after pass until done; the HTTPRoute writes it made, in order. */
async function routeStep(store: Store, subject: Rollout, step: CanaryStep): Promise<unknown[]> {
  const written: unknown[] = [];
  for (let pass = 0; pass < 5; pass++) {
    const result = (await opsFor(store, subject, vm)).ensureRoutes(step);
    expect(result.error).toBeUndefined();
    if (result.done) return written;
    for (const action of result.actions) {
      if (action.kind === "patch" && action.target.kind === "HTTPRoute") written.push(action.patch);
    }
    store.apply(result.actions);
  }
  throw new Error("ensureRoutes never reported done");
}

async function restore(store: Store, subject: Rollout): Promise<void> {
  const restored = (await opsFor(store, subject, vm)).restoreGateway();
  expect(restored.done).toBe(false);
  store.apply(restored.actions);
  expect((await opsFor(store, subject, vm)).restoreGateway()).toEqual({ done: true, actions: [] });
}

describe("HTTPRoute", () => {
  it("moves the weights step by step and restores the route exactly", async () => {
    const steps: CanaryStep[] = [{ traffic: "20%" }, { traffic: "50%" }];
    const subject = gatewayRollout(steps);
    const store = new Store([service("echoserver"), route]);
    expect((await opsFor(store, subject, vm)).initialize()).toEqual({ ok: true });

    // the first pass creates the canary Service and pins the stable one; only then the route
    expect(await routeStep(store, subject, steps[0] as CanaryStep)).toEqual([
      {
        spec: {
          rules: [
            {
              matches: [echoMatch],
              backendRefs: [
                { ...stableRef, weight: 80 },
                { ...canaryRef, weight: 20 },
              ],
            },
            (route.spec as { rules: unknown[] }).rules[1],
          ],
        },
      },
    ]);
    expect(await routeStep(store, subject, steps[1] as CanaryStep)).toEqual([
      {
        spec: {
          rules: [
            {
              matches: [echoMatch],
              backendRefs: [
                { ...stableRef, weight: 50 },
                { ...canaryRef, weight: 50 },
              ],
            },
            (route.spec as { rules: unknown[] }).rules[1],
          ],
        },
      },
    ]);

    await restore(store, subject);
    expect(withoutVersion(store.find("HTTPRoute", "echoserver"))).toEqual(route);
  });

  it("adds a canary rule for header matches and removes it on restore", async () => {
    const userAgent = { type: "Exact", name: "user-agent", value: "pc" };
    const step: CanaryStep = { matches: [{ headers: [{ type: "Exact", name: "user-agent", value: "pc" }] }] };
    const subject = gatewayRollout([step]);
    const store = new Store([service("echoserver"), route]);

    await routeStep(store, subject, step);
    expect(store.find("HTTPRoute", "echoserver")?.spec).toEqual({
      ...(route.spec as object),
      rules: [
        ...(route.spec as { rules: unknown[] }).rules,
        { matches: [{ ...echoMatch, headers: [userAgent] }], backendRefs: [canaryRef] },
      ],
    });

    await restore(store, subject);
    expect(withoutVersion(store.find("HTTPRoute", "echoserver"))).toEqual(route);
  });

  it("routes everything to the canary for blue-green's final switch", async () => {
    const subject = gatewayRollout([{ traffic: "50%" }]);
    const store = new Store([service("echoserver"), route]);
    const switched = (await opsFor(store, subject, vm)).routeAllTrafficToNew();
    expect(switched.actions).toHaveLength(1);
    store.apply(switched.actions);
    const spec = store.find("HTTPRoute", "echoserver")?.spec as HTTPRoute["spec"];
    expect(spec?.rules?.[0]?.backendRefs).toEqual([
      { ...stableRef, weight: 0 },
      { ...canaryRef, weight: 100 },
    ]);
    expect((await opsFor(store, subject, vm)).routeAllTrafficToNew()).toEqual({ done: true, actions: [] });
  });
});
