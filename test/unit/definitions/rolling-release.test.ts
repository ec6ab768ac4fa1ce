import { describe, expect, it } from "vitest";
import { baseContext, deploymentOutput } from "./components.js";
import { expectValidRollout } from "./schema.js";
import { evaluateStatus, renderTrait, statusTemplates } from "./trait.js";

// One batch of the workflow-driven canary that VelaUX's canary flow produces.
const render = (parameter: unknown, context: Record<string, unknown> = {}) =>
  renderTrait("rolling-release", {
    context: { ...baseContext, output: deploymentOutput, ...context },
    parameter,
  });

describe("rolling-release trait", () => {
  it("renders a one-step Rollout that the vela CLI leaves alone and holds the workload", async () => {
    const { outputs, patch } = await render({ weight: 30 });
    expectValidRollout(outputs.rollout as Record<string, unknown>);
    expect(outputs.rollout).toEqual({
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: {
        name: "canary-demo",
        namespace: "default",
        annotations: {
          "rollouts.kruise.io/rolling-style": "partition",
          "controller.core.oam.dev/skip-resume": "true",
        },
      },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "canary-demo" } },
        strategy: { canary: { steps: [{ weight: 30, pause: {} }] } },
      },
    });
    expect(patch).toEqual({ metadata: { annotations: { "app.oam.dev/disable-health-check": "true" } } });
  });

  it("the last batch does not pause", async () => {
    const { outputs } = await render({ weight: 100 });
    expect(outputs.rollout?.spec).toMatchObject({
      strategy: { canary: { steps: [{ weight: 100, pause: { duration: 0 } }] } },
    });
  });

  it("uses the traffic routing canary-deploy passes (the catalog trait ignored it)", async () => {
    const { outputs } = await render({ weight: 30, trafficRoutings: [{ type: "nginx" }] });
    expect(outputs.rollout?.spec).toMatchObject({
      strategy: {
        canary: {
          trafficRoutings: [
            {
              service: "canary-demo",
              gracePeriodSeconds: 5,
              ingress: { name: "canary-demo", classType: "nginx" },
            },
          ],
        },
      },
    });
  });

  it("detects the traffic routing from the component's gateway trait", async () => {
    const components = [
      { name: "canary-demo", type: "webservice", traits: [{ type: "gateway", properties: {} }] },
    ];
    const { outputs } = await render({ weight: 30 }, { components });
    expect(outputs.rollout?.spec).toMatchObject({
      strategy: { canary: { trafficRoutings: [{ ingress: { name: "canary-demo", classType: "nginx" } }] } },
    });
  });

  it("is healthy when its batch is paused at its own weight, so the workflow moves to the approval", async () => {
    const render30 = await render({ weight: 30 });
    const { healthPolicy } = statusTemplates(render30);
    const liveWith = (weight: number, status: Record<string, unknown>) => ({
      outputs: { rollout: { spec: { strategy: { canary: { steps: [{ weight, pause: {} }] } } }, status } },
    });
    const paused = {
      phase: "Progressing",
      canaryStatus: { currentStepIndex: 1, currentStepState: "StepPaused" },
    };
    const upgrading = {
      phase: "Progressing",
      canaryStatus: { currentStepIndex: 1, currentStepState: "StepUpgrade" },
    };
    const health = async (weight: number, status: Record<string, unknown>) =>
      (await evaluateStatus(healthPolicy, liveWith(weight, status), { weight: 30 })).isHealth;
    expect(await health(30, paused)).toBe(true);
    expect(await health(30, upgrading)).toBe(false);
    // The live object still carries the previous batch: not done yet.
    expect(await health(10, paused)).toBe(false);
    expect(await health(30, { phase: "Healthy" })).toBe(true);
    expect((await evaluateStatus(healthPolicy, { outputs: { rollout: {} } }, { weight: 30 })).isHealth).toBe(
      false,
    );
  });
});
