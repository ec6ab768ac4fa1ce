import { describe, expect, it } from "vitest";
import { composeTrafficOps } from "../../../src/controller/traffic-composite.js";
import type { TrafficOps, TrafficStep } from "../../../src/rollout/observed.js";

function ops(name: string, outcome: Partial<TrafficStep> = {}): TrafficOps {
  const step = (op: string): TrafficStep => ({
    done: outcome.done ?? true,
    actions: outcome.actions ?? [{ kind: "event", type: "Normal", reason: op, message: name }],
    ...(outcome.error ? { error: outcome.error } : {}),
  });
  return {
    initialize: () => (outcome.error ? { ok: false, error: outcome.error } : { ok: true }),
    patchStableService: () => step("patchStableService"),
    restoreStableService: () => step("restoreStableService"),
    ensureRoutes: () => step("ensureRoutes"),
    routeAllTrafficToNew: () => step("routeAllTrafficToNew"),
    restoreGateway: () => step("restoreGateway"),
    removeCanaryService: () => step("removeCanaryService"),
  };
}

describe("several trafficRoutings", () => {
  it("runs each operation on every routing, in order", () => {
    const composite = composeTrafficOps([ops("ingress"), ops("mesh")]);
    const routed = composite.ensureRoutes({ traffic: "20%" });
    expect(routed.actions.map((a) => (a as { message: string }).message)).toEqual(["ingress", "mesh"]);
    expect(routed.done).toBe(true);
  });

  it("is done only when every routing is", () => {
    const composite = composeTrafficOps([ops("ingress"), ops("mesh", { done: false, actions: [] })]);
    expect(composite.restoreGateway().done).toBe(false);
  });

  it("writes nothing when any routing fails, and reports every failure", () => {
    const composite = composeTrafficOps([
      ops("ingress", { error: "Ingress a/b not found" }),
      ops("mesh", { error: "script x failed" }),
    ]);
    const routed = composite.ensureRoutes({ traffic: "20%" });
    expect(routed.actions).toEqual([]);
    expect(routed.error).toBe("Ingress a/b not found; script x failed");
    expect(composite.initialize()).toEqual({ ok: false, error: "Ingress a/b not found; script x failed" });
  });

  it("is the routing itself when there is only one", () => {
    const single = ops("only");
    expect(composeTrafficOps([single])).toBe(single);
  });
});
