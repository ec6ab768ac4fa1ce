import { describe, expect, it } from "vitest";
import { trafficRoutingFromTrait, traitProviderNames } from "../../../src/traffic/provider-names.js";
import {
  allTrafficToCanary,
  canaryWeight,
  needsTrafficRouting,
  trafficStrategyOf,
} from "../../../src/traffic/steps.js";

describe("step traffic", () => {
  it("reads N% as the weight, undefined without traffic, 0 when unparsable (as upstream)", () => {
    expect(canaryWeight({ traffic: "20%" })).toBe(20);
    expect(canaryWeight({ traffic: "100%" })).toBe(100);
    expect(canaryWeight({})).toBeUndefined();
    expect(canaryWeight({ traffic: "20" })).toBe(0);
    expect(canaryWeight({ traffic: "2.5%" })).toBe(0);
  });

  it("routes when a step has traffic or matches, not for batch-only steps", () => {
    expect(needsTrafficRouting({ traffic: "0%" })).toBe(true);
    expect(needsTrafficRouting({ matches: [{ headers: [{ name: "a", value: "b" }] }] })).toBe(true);
    expect(needsTrafficRouting({ matches: [] })).toBe(false);
    expect(needsTrafficRouting({})).toBe(false);
  });

  it("takes traffic, matches and header modifier from a step (A/B combined with replicas)", () => {
    const step = {
      replicas: "50%",
      pause: {},
      traffic: "10%",
      matches: [{ headers: [{ type: "Exact", name: "user-agent", value: "pc" }] }],
      requestHeaderModifier: { set: [{ name: "x", value: "1" }] },
    };
    expect(trafficStrategyOf(step)).toEqual({
      traffic: "10%",
      matches: step.matches,
      requestHeaderModifier: step.requestHeaderModifier,
    });
    expect(trafficStrategyOf({ matches: step.matches })).toEqual({ matches: step.matches });
  });

  it("the blue-green switch sends 100% and drops matches", () => {
    expect(
      allTrafficToCanary({ traffic: "10%", matches: [{}], requestHeaderModifier: { remove: ["x"] } }),
    ).toEqual({
      traffic: "100%",
      requestHeaderModifier: { remove: ["x"] },
    });
  });
});

describe("provider names from the KubeVela trait and the seed", () => {
  it("maps nginx (seed, addon 1.0-1.2) and ingress (addon 1.3+) to an Ingress ref", () => {
    for (const type of ["nginx", "ingress", undefined]) {
      expect(trafficRoutingFromTrait({ type }, "canary-demo")).toEqual({
        service: "canary-demo",
        gracePeriodSeconds: 5,
        ingress: { name: "canary-demo" },
      });
    }
  });

  it("maps gateway to an HTTPRoute ref and honours explicit names", () => {
    expect(
      trafficRoutingFromTrait(
        { type: "gateway", service: "svc", gatewayHTTPRouteName: "route", gracePeriodSeconds: 3 },
        "app",
      ),
    ).toEqual({
      service: "svc",
      gracePeriodSeconds: 3,
      gateway: { httpRouteName: "route" },
    });
  });

  it("maps ingress class names to an Ingress ref of that class", () => {
    expect(trafficRoutingFromTrait({ type: "aliyun-alb", ingressName: "ing" }, "app")).toEqual({
      service: "app",
      gracePeriodSeconds: 5,
      ingress: { classType: "aliyun-alb", name: "ing" },
    });
    expect(traitProviderNames).toEqual(["ingress", "nginx", "aliyun-alb", "mse", "higress", "gateway"]);
  });

  it("returns undefined for an unknown type", () => {
    expect(trafficRoutingFromTrait({ type: "linkerd" }, "app")).toBeUndefined();
  });
});
