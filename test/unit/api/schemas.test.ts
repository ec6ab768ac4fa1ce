import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NON_NEGATIVE_PERCENT, POSITIVE_PERCENT } from "../../../src/api/cel.js";
import { scaledValue } from "../../../src/api/int-or-string.js";
import { RolloutV1alpha1 } from "../../../src/api/rollout-v1alpha1.js";
import { RolloutV1beta1 } from "../../../src/api/rollout-v1beta1.js";
import { TrafficRoutingV1alpha1 } from "../../../src/api/trafficrouting-v1alpha1.js";
import { replicasInRange } from "../../../src/api/validation-steps.js";

describe("schema defaults (kubebuilder markers)", () => {
  it("fills disabled, gracePeriodSeconds and the Gateway API match defaults", () => {
    const r = RolloutV1beta1.parse({
      spec: {
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
        strategy: {
          canary: {
            steps: [
              {
                replicas: 1,
                matches: [
                  {
                    path: {},
                    headers: [{ name: "h", value: "v" }],
                    queryParams: [{ name: "q", value: "v" }],
                  },
                ],
              },
            ],
            trafficRoutings: [{ service: "s", ingress: { name: "i" } }],
          },
        },
      },
    });
    expect(r.spec?.disabled).toBe(false);
    const canary = r.spec?.strategy.canary;
    expect(canary?.trafficRoutings?.[0]?.gracePeriodSeconds).toBe(3);
    expect(canary?.steps?.[0]?.matches?.[0]).toEqual({
      path: { type: "PathPrefix", value: "/" },
      headers: [{ type: "Exact", name: "h", value: "v" }],
      queryParams: [{ type: "Exact", name: "q", value: "v" }],
    });
  });

  it("applies the same defaults to v1alpha1 and TrafficRouting", () => {
    const a = RolloutV1alpha1.parse({
      spec: {
        objectRef: {},
        strategy: {
          canary: {
            trafficRoutings: [{ service: "s" }],
            steps: [{ matches: [{ headers: [{ name: "h", value: "v" }] }] }],
          },
        },
      },
    });
    expect(a.spec?.disabled).toBe(false);
    expect(a.spec?.strategy.canary?.trafficRoutings?.[0]?.gracePeriodSeconds).toBe(3);
    expect(a.spec?.strategy.canary?.steps?.[0]?.matches?.[0]?.headers?.[0]?.type).toBe("Exact");
    const t = TrafficRoutingV1alpha1.parse({
      spec: { objectRef: [{ service: "s" }], strategy: { weight: 5 } },
    });
    expect(t.spec?.objectRef[0]?.gracePeriodSeconds).toBe(3);
  });

  it("accepts int-or-string replicas and rejects other types", () => {
    const step = (replicas: unknown) =>
      RolloutV1beta1.safeParse({
        spec: {
          workloadRef: { apiVersion: "a", kind: "k", name: "n" },
          strategy: { canary: { steps: [{ replicas }] } },
        },
      }).success;
    expect(step(1)).toBe(true);
    expect(step("20%")).toBe(true);
    expect(step(1.5)).toBe(false);
    expect(step(true)).toBe(false);
  });

  it("rejects invalid header names as the Gateway API pattern does", () => {
    const parse = (name: string) =>
      RolloutV1alpha1.safeParse({
        spec: {
          objectRef: {},
          strategy: { canary: { steps: [{ matches: [{ headers: [{ name, value: "v" }] }] }] } },
        },
      }).success;
    expect(parse("x-user")).toBe(true);
    expect(parse("bad header")).toBe(false);
  });
});

describe("int-or-string and the CEL percentage patterns", () => {
  it("scales like Go's GetScaledValueFromIntOrPercent", () => {
    expect(scaledValue("20%", 5, true)).toBe(1);
    expect(scaledValue("20%", 6, true)).toBe(2);
    expect(scaledValue("20%", 6, false)).toBe(1);
    expect(scaledValue(3, 100, true)).toBe(3);
    expect(scaledValue("20", 100, true)).toBeUndefined();
    expect(scaledValue("x%", 100, true)).toBeUndefined();
  });

  // The CRD's CEL rules and the webhook must agree, whichever the apiserver evaluates.
  const percentish = fc.oneof(
    fc.stringMatching(/^[+-]?0{0,2}[0-9]{1,3}%$/),
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -5, max: 205 }).map((n) => `${n}%`),
  );

  it("POSITIVE_PERCENT matches exactly the replicas/traffic percentages Go accepts as (0%, 100%]", () => {
    fc.assert(
      fc.property(percentish, (text) => {
        const value = scaledValue(text, 100, true);
        const goAccepts = value !== undefined && value > 0 && value <= 100;
        expect(new RegExp(POSITIVE_PERCENT).test(text)).toBe(goAccepts);
        expect(replicasInRange(text)).toBe(goAccepts);
      }),
      { numRuns: 500 },
    );
  });

  it("NON_NEGATIVE_PERCENT matches exactly Go's blue-green traffic range [0%, 100%]", () => {
    fc.assert(
      fc.property(percentish, (text) => {
        const value = scaledValue(text, 100, true);
        expect(new RegExp(NON_NEGATIVE_PERCENT).test(text)).toBe(
          value !== undefined && value >= 0 && value <= 100,
        );
      }),
      { numRuns: 500 },
    );
  });
});
