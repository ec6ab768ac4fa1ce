import { describe, expect, it } from "vitest";
import { baseContext, deploymentOutput } from "./components.js";
import { expectValidRollout } from "./schema.js";
import { renderTrait } from "./trait.js";

// Every parameter shape the catalog addon 1.5.2 trait accepts must keep rendering, so Applications
// written for it work unchanged.
const render = async (parameter: unknown, context: Record<string, unknown> = {}) => {
  const result = await renderTrait("kruise-rollout", {
    context: { ...baseContext, output: deploymentOutput, ...context },
    parameter,
  });
  expect(result.errs).toEqual([]);
  expectValidRollout(result.outputs.rollout as Record<string, unknown>);
  return result.outputs.rollout as {
    metadata: { annotations?: Record<string, string> };
    spec: {
      objectRef: { workloadRef: Record<string, string> };
      strategy: { canary: { steps: Record<string, unknown>[]; trafficRoutings?: Record<string, unknown>[] } };
    };
  };
};
const steps = (r: Awaited<ReturnType<typeof render>>) => r.spec.strategy.canary.steps;

describe("kruise-rollout trait: catalog 1.5.2 parameters", () => {
  it("copies weight and replicas (number or percentage) and waits for approval by default", async () => {
    const r = await render({
      canary: { steps: [{ weight: 20 }, { replicas: 2 }, { replicas: "50%", weight: 60 }] },
    });
    expect(steps(r)).toEqual([
      { weight: 20, pause: {} },
      { replicas: 2, pause: {} },
      { replicas: "50%", weight: 60, pause: {} },
    ]);
    expect(r.spec.strategy.canary.trafficRoutings).toBeUndefined();
  });

  it("turns duration into a timed pause", async () => {
    const r = await render({ canary: { steps: [{ weight: 20, duration: 60 }, { weight: 100 }] } });
    expect(steps(r)).toEqual([
      { weight: 20, pause: { duration: 60 } },
      { weight: 100, pause: {} },
    ]);
  });

  it("auto: every step continues at once, durations included", async () => {
    const r = await render({ auto: true, canary: { steps: [{ weight: 20, duration: 60 }, { weight: 50 }] } });
    expect(steps(r).map((s) => s.pause)).toEqual([{ duration: 0 }, { duration: 0 }]);
  });

  it("stepPartition: steps below it continue at once, later steps keep their duration", async () => {
    const r = await render({
      stepPartition: 2,
      canary: {
        steps: [{ weight: 10, duration: 30 }, { weight: 20 }, { weight: 50, duration: 60 }, { weight: 80 }],
      },
    });
    // The catalog dropped the duration of steps after the partition; they keep it here.
    expect(steps(r).map((s) => s.pause)).toEqual([{ duration: 0 }, { duration: 0 }, { duration: 60 }, {}]);
  });

  it("releaseMode batch marks the Rollout partition-style; canary and absent add nothing", async () => {
    const batch = await render({ releaseMode: "batch", canary: { steps: [{ replicas: 1 }] } });
    expect(batch.metadata.annotations).toEqual({ "rollouts.kruise.io/rolling-style": "partition" });
    const canary = await render({ releaseMode: "canary", canary: { steps: [{ replicas: 1 }] } });
    expect(canary.metadata.annotations).toBeUndefined();
    const absent = await render({ canary: { steps: [{ replicas: 1 }] } });
    expect(absent.metadata.annotations).toBeUndefined();
  });

  it("workloadType overrides the detected workload", async () => {
    const r = await render({
      workloadType: { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet" },
      canary: { steps: [{ replicas: 1 }] },
    });
    expect(r.spec.objectRef.workloadRef).toEqual({
      apiVersion: "apps.kruise.io/v1alpha1",
      kind: "CloneSet",
      name: "canary-demo",
    });
  });

  it("uses the name the component gave its workload", async () => {
    const r = await render(
      { canary: { steps: [{ replicas: 1 }] } },
      { output: { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "echoserver" } } },
    );
    expect(r.spec.objectRef.workloadRef).toEqual({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      name: "echoserver",
    });
  });

  it("trafficRoutings: ingress by default, with service, ingressName and gracePeriodSeconds", async () => {
    const defaults = await render({ canary: { steps: [{ weight: 20 }], trafficRoutings: [{}] } });
    expect(defaults.spec.strategy.canary.trafficRoutings).toEqual([
      { service: "canary-demo", gracePeriodSeconds: 5, ingress: { name: "canary-demo" } },
    ]);
    const explicit = await render({
      canary: {
        steps: [{ weight: 20 }],
        trafficRoutings: [{ type: "ingress", service: "stable", ingressName: "web", gracePeriodSeconds: 0 }],
      },
    });
    expect(explicit.spec.strategy.canary.trafficRoutings).toEqual([
      { service: "stable", gracePeriodSeconds: 0, ingress: { name: "web" } },
    ]);
  });

  it("trafficRoutings type gateway with gatewayHTTPRouteName", async () => {
    const r = await render({
      canary: {
        steps: [{ weight: 20 }],
        trafficRoutings: [{ type: "gateway", gatewayHTTPRouteName: "echoserver" }],
      },
    });
    expect(r.spec.strategy.canary.trafficRoutings).toEqual([
      { service: "canary-demo", gracePeriodSeconds: 5, gateway: { httpRouteName: "echoserver" } },
    ]);
  });

  it("trafficRoutings type aliyun-alb renders an ALB ingress (the catalog rendered no route at all)", async () => {
    const r = await render({
      canary: { steps: [{ weight: 20 }], trafficRoutings: [{ type: "aliyun-alb" }] },
    });
    expect(r.spec.strategy.canary.trafficRoutings).toEqual([
      {
        service: "canary-demo",
        gracePeriodSeconds: 5,
        ingress: { name: "canary-demo", classType: "aliyun-alb" },
      },
    ]);
  });

  it("matches written in the catalog's capitalised Type/Name/Value shape", async () => {
    const r = await render({
      canary: {
        steps: [
          {
            weight: 20,
            matches: [
              {
                headers: [
                  { Name: "user", Value: "beta" },
                  { Type: "RegularExpression", Name: "x-env", Value: "qa.*" },
                ],
              },
            ],
          },
        ],
        trafficRoutings: [{ type: "ingress" }],
      },
    });
    expect(steps(r)[0]?.matches).toEqual([
      {
        headers: [
          { type: "Exact", name: "user", value: "beta" },
          { type: "RegularExpression", name: "x-env", value: "qa.*" },
        ],
      },
    ]);
  });
});
