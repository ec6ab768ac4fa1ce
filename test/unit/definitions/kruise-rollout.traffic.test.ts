import { describe, expect, it } from "vitest";
import { baseContext, deploymentOutput } from "./components.js";
import { expectValidRollout } from "./schema.js";
import { renderTrait } from "./trait.js";

type Canary = { steps: { matches?: unknown }[]; trafficRoutings: Record<string, unknown>[] };
const canaryOf = async (parameter: unknown): Promise<Canary> => {
  const { outputs, errs } = await renderTrait("kruise-rollout", {
    context: { ...baseContext, output: deploymentOutput },
    parameter,
  });
  expect(errs).toEqual([]);
  expectValidRollout(outputs.rollout as Record<string, unknown>);
  return (outputs.rollout as { spec: { strategy: { canary: Canary } } }).spec.strategy.canary;
};

describe("kruise-rollout trait: traffic", () => {
  it("nginx (the seed's type, rejected by the catalog) is an ingress with classType nginx", async () => {
    const canary = await canaryOf({
      canary: { steps: [{ weight: 20 }], trafficRoutings: [{ type: "nginx", ingressName: "web" }] },
    });
    expect(canary.trafficRoutings).toEqual([
      { service: "canary-demo", gracePeriodSeconds: 5, ingress: { name: "web", classType: "nginx" } },
    ]);
  });

  it("ingress takes any controller class through ingressClassType", async () => {
    const canary = await canaryOf({
      canary: {
        steps: [{ weight: 20 }],
        trafficRoutings: [{ type: "ingress", ingressClassType: "higress" }],
      },
    });
    expect(canary.trafficRoutings[0]?.ingress).toEqual({ name: "canary-demo", classType: "higress" });
  });

  it("gateway defaults the HTTPRoute to the component name", async () => {
    const canary = await canaryOf({
      canary: { steps: [{ weight: 20 }], trafficRoutings: [{ type: "gateway" }] },
    });
    expect(canary.trafficRoutings).toEqual([
      { service: "canary-demo", gracePeriodSeconds: 5, gateway: { httpRouteName: "canary-demo" } },
    ]);
  });

  it("custom routes through Lua-driven objects such as an Istio VirtualService", async () => {
    const refs = [
      { apiVersion: "networking.istio.io/v1beta1", kind: "VirtualService", name: "canary-demo" },
      { apiVersion: "networking.istio.io/v1beta1", kind: "DestinationRule", name: "canary-demo" },
    ];
    const canary = await canaryOf({
      canary: { steps: [{ weight: 20 }], trafficRoutings: [{ type: "custom", customNetworkRefs: refs }] },
    });
    expect(canary.trafficRoutings).toEqual([
      { service: "canary-demo", gracePeriodSeconds: 5, customNetworkRefs: refs },
    ]);
  });

  it("header matches in Kruise's lower-case shape (the catalog could not render any)", async () => {
    const canary = await canaryOf({
      canary: {
        steps: [
          {
            weight: 20,
            matches: [
              { headers: [{ name: "user-agent", value: "Android" }] },
              { headers: [{ type: "RegularExpression", name: "x-region", value: "eu-.*" }] },
            ],
          },
        ],
        trafficRoutings: [{ type: "nginx" }],
      },
    });
    expect(canary.steps[0]?.matches).toEqual([
      { headers: [{ type: "Exact", name: "user-agent", value: "Android" }] },
      { headers: [{ type: "RegularExpression", name: "x-region", value: "eu-.*" }] },
    ]);
  });

  it("a cookie match uses nginx's canary-by-cookie convention on ingress routes", async () => {
    const canary = await canaryOf({
      canary: {
        steps: [{ weight: 20, matches: [{ cookie: "beta_user" }] }],
        trafficRoutings: [{ type: "nginx" }],
      },
    });
    expect(canary.steps[0]?.matches).toEqual([
      { headers: [{ type: "Exact", name: "canary-by-cookie", value: "beta_user" }] },
    ]);
  });

  it("a cookie match is a Cookie header expression on Gateway API routes", async () => {
    const canary = await canaryOf({
      canary: {
        steps: [
          { weight: 20, matches: [{ headers: [{ name: "x-team", value: "qa" }], cookie: "beta_user" }] },
        ],
        trafficRoutings: [{ type: "gateway" }],
      },
    });
    expect(canary.steps[0]?.matches).toEqual([
      {
        headers: [
          { type: "Exact", name: "x-team", value: "qa" },
          { type: "RegularExpression", name: "Cookie", value: "^(.*;\\s*)?beta_user=always(;.*)?$" },
        ],
      },
    ]);
  });
});
