import { describe, expect, it } from "vitest";
import { RolloutV1alpha1 } from "../../../src/api/rollout-v1alpha1.js";
import { validateRolloutV1alpha1 } from "../../../src/api/validation.js";
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
        strategy: { paused: false, canary: { steps: [{ weight: 30, pause: {} }] } },
      },
    });
    expect(patch).toEqual({ metadata: { annotations: { "app.oam.dev/disable-health-check": "true" } } });
  });

  it("the last batch does not pause", async () => {
    const { outputs } = await render({ weight: 100 });
    expect(outputs.rollout?.spec).toMatchObject({
      strategy: { canary: { steps: [{ replicas: "100%", pause: { duration: 0 } }] } },
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

  it("prepares with weight 0 (VelaUX's prepare-canary): a paused Rollout that both validations accept", async () => {
    const { outputs } = await render({ weight: 0, trafficRoutings: [{ type: "nginx" }] });
    const rollout = outputs.rollout as Record<string, unknown>;
    expectValidRollout(rollout);
    expect(rollout.spec).toMatchObject({
      strategy: { paused: true, canary: { steps: [{ replicas: 1, pause: {} }] } },
    });
    expect(validateRolloutV1alpha1(RolloutV1alpha1.parse(rollout))).toEqual([]);
  });

  it("every batch of VelaUX's canary flow (1 to 4 batches) renders a valid Rollout, in either style", async () => {
    const weights = new Set<number>([0]);
    for (let batches = 1; batches <= 4; batches++)
      for (let i = 1; i <= batches; i++) weights.add(i === batches ? 100 : Math.round(100 / batches) * i);
    for (const rolloutType of ["partition", "canary"])
      for (const weight of weights) {
        const { outputs } = await render({ weight, rolloutType, trafficRoutings: [{ type: "nginx" }] });
        const rollout = RolloutV1alpha1.parse(outputs.rollout);
        expect(validateRolloutV1alpha1(rollout), `${rolloutType} ${weight}`).toEqual([]);
      }
  });

  it("gives a partition batch above half the pods as replicas (a weight above 50 is refused there)", async () => {
    const partition = await render({ weight: 67 });
    expect(partition.outputs.rollout?.spec).toMatchObject({
      strategy: { canary: { steps: [{ replicas: "67%", pause: {} }] } },
    });
    const canary = await render({ weight: 67, rolloutType: "canary" });
    expect(canary.outputs.rollout?.spec).toMatchObject({
      strategy: { canary: { steps: [{ weight: 67, pause: {} }] } },
    });
  });

  describe("health", () => {
    const live = (
      step: Record<string, unknown>,
      status: Record<string, unknown>,
      { paused = false, generation = 2 } = {},
    ) => ({
      outputs: {
        rollout: {
          metadata: { generation },
          spec: { strategy: { paused, canary: { steps: [{ ...step, pause: {} }] } } },
          status: { observedGeneration: 2, ...status },
        },
      },
    });
    const health = async (parameter: Record<string, unknown>, context: Record<string, unknown>) => {
      const { healthPolicy } = statusTemplates(await render(parameter));
      return (await evaluateStatus(healthPolicy, context, parameter)).isHealth;
    };
    const paused = {
      phase: "Progressing",
      canaryStatus: { currentStepIndex: 1, currentStepState: "StepPaused" },
    };
    const upgrading = {
      phase: "Progressing",
      canaryStatus: { currentStepIndex: 1, currentStepState: "StepUpgrade" },
    };
    const held = {
      phase: "Progressing",
      canaryStatus: { currentStepIndex: 1, currentStepState: "BeforeStepUpgrade" },
      conditions: [{ type: "Progressing", status: "True", reason: "Paused" }],
    };

    it("a batch is done when paused at its own size, so the workflow moves to the approval", async () => {
      expect(await health({ weight: 30 }, live({ weight: 30 }, paused))).toBe(true);
      expect(await health({ weight: 30 }, live({ weight: 30 }, upgrading))).toBe(false);
      // The live object still carries the previous batch: not done yet.
      expect(await health({ weight: 30 }, live({ weight: 10 }, paused))).toBe(false);
      // The controller has not seen this batch yet: its StepPaused is the previous batch's.
      expect(await health({ weight: 30 }, live({ weight: 30 }, paused, { generation: 3 }))).toBe(false);
      expect(await health({ weight: 30 }, live({ weight: 30 }, { phase: "Healthy" }))).toBe(true);
      expect(await health({ weight: 67 }, live({ replicas: "67%" }, paused))).toBe(true);
      expect(await health({ weight: 30 }, { outputs: { rollout: {} } })).toBe(false);
    });

    it("the prepare step is done when the release is held before its first batch", async () => {
      const prepare = { weight: 0 };
      expect(await health(prepare, live({ replicas: 1 }, held, { paused: true }))).toBe(true);
      expect(await health(prepare, live({ replicas: 1 }, { phase: "Healthy" }, { paused: true }))).toBe(true);
      expect(await health(prepare, live({ replicas: 1 }, upgrading, { paused: true }))).toBe(false);
      // Still the previous release's Rollout (not paused): not prepared yet.
      expect(await health(prepare, live({ weight: 100 }, { phase: "Healthy" }))).toBe(false);
      // A later batch does not count a held (paused) Rollout as its batch.
      expect(await health({ weight: 50 }, live({ weight: 50 }, held, { paused: true }))).toBe(false);
    });

    it("lets the first deploy dispatch its workload (the Rollout has none to hold yet)", async () => {
      const missing = { phase: "Initial", message: "Workload Not Found" };
      expect(await health({ weight: 0 }, live({ replicas: 1 }, missing, { paused: true }))).toBe(true);
      expect(await health({ weight: 50 }, live({ weight: 50 }, missing))).toBe(true);
    });
  });
});
