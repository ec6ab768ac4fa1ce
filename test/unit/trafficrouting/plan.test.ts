import { describe, expect, it } from "vitest";
import type { TrafficOps, TrafficStep } from "../../../src/rollout/observed.js";
import {
  holdAction,
  planTrafficRouting,
  stepOf,
  type TrafficRoutingObject,
} from "../../../src/trafficrouting/plan.js";

function tr(
  phase: string | undefined,
  finalizers: string[] = ["rollouts.kruise.io/trafficrouting"],
  deleting = false,
): TrafficRoutingObject {
  return {
    metadata: {
      name: "shared",
      namespace: "ns",
      generation: 2,
      resourceVersion: "7",
      finalizers,
      ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: {
      objectRef: [
        {
          service: "web",
          customNetworkRefs: [
            { apiVersion: "networking.istio.io/v1alpha3", kind: "VirtualService", name: "web" },
          ],
        },
      ],
      strategy: { weight: 10, matches: [{ headers: [{ name: "user", value: "beta" }] }] },
    },
    ...(phase ? { status: { phase } } : {}),
  };
}

function traffic(outcome: Partial<TrafficStep> = {}, calls: string[] = []): TrafficOps {
  const step = (name: string) => () => {
    calls.push(name);
    return {
      done: outcome.done ?? true,
      actions: outcome.actions ?? [],
      ...(outcome.error ? { error: outcome.error } : {}),
    };
  };
  return {
    initialize: () => ({ ok: true }),
    patchStableService: step("patchStableService"),
    restoreStableService: step("restoreStableService"),
    ensureRoutes: step("ensureRoutes"),
    routeAllTrafficToNew: step("routeAllTrafficToNew"),
    restoreGateway: step("restoreGateway"),
    removeCanaryService: step("removeCanaryService"),
  };
}

const holder = "progressing.rollouts.kruise.io/web";
const event = { kind: "event" as const, type: "Normal" as const, reason: "route", message: "x" };

describe("the TrafficRouting object", () => {
  it("takes its own finalizer first, guarded by the list it saw", () => {
    const plan = planTrafficRouting(tr(undefined, []), traffic(), 0);
    expect(plan.actions[0]).toMatchObject({
      patchType: "json",
      patch: [
        { op: "test", path: "/metadata/finalizers", value: [] },
        { op: "add", path: "/metadata/finalizers", value: ["rollouts.kruise.io/trafficrouting"] },
      ],
    });
  });

  it("becomes Healthy once its routes exist, Progressing while a Rollout holds it", () => {
    expect(planTrafficRouting(tr(undefined), traffic(), 0).status).toMatchObject({
      phase: "Healthy",
      message: "TrafficRouting is Healthy",
      observedGeneration: 2,
    });
    expect(planTrafficRouting(tr("Healthy"), traffic(), 0).status.phase).toBe("Healthy");
    const held = tr("Healthy", ["rollouts.kruise.io/trafficrouting", holder]);
    expect(planTrafficRouting(held, traffic(), 0).status.phase).toBe("Progressing");
  });

  it("routes its own strategy while held, waiting out the grace period after a change", () => {
    const calls: string[] = [];
    const held = tr("Progressing", ["rollouts.kruise.io/trafficrouting", holder]);
    const plan = planTrafficRouting(held, traffic({ actions: [event] }, calls), 3000);
    expect(calls).toEqual(["ensureRoutes"]);
    expect(plan.actions).toEqual([event]);
    expect(plan.requeueAfterMs).toBe(3000);
    expect(stepOf(held)).toEqual({
      traffic: "10%",
      matches: [{ headers: [{ name: "user", value: "beta" }] }],
    });
  });

  it("reports a routing failure in its status and writes nothing", () => {
    const held = tr("Progressing", ["rollouts.kruise.io/trafficrouting", holder]);
    const plan = planTrafficRouting(
      held,
      traffic({ error: "script lua.traffic.routing.VirtualService.networking.istio.io failed" }),
      0,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.status.message).toContain("lua.traffic.routing.VirtualService");
  });

  it("finalizes when the last Rollout lets go, then is Healthy again", () => {
    expect(planTrafficRouting(tr("Progressing"), traffic(), 0).status.phase).toBe("Finalizing");
    const calls: string[] = [];
    const plan = planTrafficRouting(tr("Finalizing"), traffic({}, calls), 0);
    expect(calls).toEqual(["restoreGateway"]);
    expect(plan.status.phase).toBe("Healthy");
  });

  it("restores traffic before dropping its finalizer when deleted", () => {
    const pending = planTrafficRouting(tr("Healthy", undefined, true), traffic({ actions: [event] }), 0);
    expect(pending.actions).toEqual([event]);
    expect(pending.status.phase).toBe("Terminating");
    const done = planTrafficRouting(tr("Terminating", undefined, true), traffic(), 0);
    expect(done.actions[0]).toMatchObject({
      patch: [{ op: "test" }, { op: "add", path: "/metadata/finalizers", value: [] }],
    });
  });

  it("lets a Rollout take and release its hold exactly once", () => {
    const free = tr("Healthy");
    expect(holdAction(free, "web", true)).toMatchObject({
      patch: [{ op: "test" }, { value: ["rollouts.kruise.io/trafficrouting", holder] }],
    });
    expect(holdAction(free, "web", false)).toBeUndefined();
    const held = tr("Progressing", ["rollouts.kruise.io/trafficrouting", holder]);
    expect(holdAction(held, "web", true)).toBeUndefined();
    expect(holdAction(held, "web", false)).toMatchObject({
      patch: [{ op: "test" }, { value: ["rollouts.kruise.io/trafficrouting"] }],
    });
  });
});
