import { beforeAll, describe, expect, it } from "vitest";
import { baseContext, deploymentOutput } from "./components.js";
import { evaluateStatus, renderTrait, statusTemplates } from "./trait.js";

// The health policy and status message evaluated against live Rollouts, as vela-core does (§4.4).
const steps = [
  { weight: 20, pause: {} },
  { weight: 50, pause: { duration: 60 } },
  { weight: 100, pause: {} },
];
const live = (status: Record<string, unknown> | undefined, spec: Record<string, unknown> = {}) => ({
  appName: "canary-app",
  outputs: {
    rollout: {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "canary-demo", namespace: "default", generation: 2 },
      spec: { strategy: { canary: { steps }, ...spec } },
      ...(status ? { status } : {}),
    },
  },
});
const canaryStatus = (currentStepIndex: number, currentStepState: string) => ({
  canaryRevision: "6b9f",
  podTemplateHash: "6b9f",
  canaryReplicas: 1,
  canaryReadyReplicas: 1,
  currentStepIndex,
  currentStepState,
});

let health: string;
let message: string;
beforeAll(async () => {
  const render = await renderTrait("kruise-rollout", {
    context: { ...baseContext, output: deploymentOutput },
    parameter: { canary: { steps: [{ weight: 20 }] } },
  });
  ({ healthPolicy: health, customStatus: message } = statusTemplates(render));
  // Loading cue-wasm and rendering take seconds, more on a loaded machine than the default hook budget.
}, 120_000);
const evaluate = async (context: Record<string, unknown>) => ({
  isHealth: (await evaluateStatus(health, context)).isHealth,
  message: (await evaluateStatus(message, context)).message,
});

describe("kruise-rollout trait: health and status", () => {
  it("before the controller has written a status: unhealthy, waiting (no evaluation error)", async () => {
    expect(await evaluate(live(undefined))).toEqual({
      isHealth: false,
      message: "Waiting for the rollout controller to observe the Rollout",
    });
  });

  it("progressing: shows the batch and its state", async () => {
    const status = {
      observedGeneration: 2,
      phase: "Progressing",
      message: "Rollout is in step(1/3), and upgrade workload new versions",
      canaryStatus: canaryStatus(1, "StepUpgrade"),
    };
    expect(await evaluate(live(status))).toEqual({
      isHealth: false,
      message:
        "Progressing: batch 1/3 StepUpgrade. Rollout is in step(1/3), and upgrade workload new versions",
    });
  });

  it("paused awaiting approval: tells the user how to approve", async () => {
    const status = {
      observedGeneration: 2,
      phase: "Progressing",
      canaryStatus: canaryStatus(1, "StepPaused"),
    };
    expect(await evaluate(live(status))).toEqual({
      isHealth: false,
      message: "Progressing: batch 1/3 paused, waiting for approval; run `vela workflow resume canary-app`",
    });
  });

  it("paused on a timed step: continues by itself", async () => {
    const status = {
      observedGeneration: 2,
      phase: "Progressing",
      message: "Rollout is in step(2/3), and wait duration(60 seconds) to enter the next step",
      canaryStatus: canaryStatus(2, "StepPaused"),
    };
    expect((await evaluate(live(status))).message).toBe(
      "Progressing: batch 2/3 paused, continues automatically. Rollout is in step(2/3), and wait duration(60 seconds) to enter the next step",
    );
  });

  it("suspended by `vela workflow suspend`", async () => {
    const status = {
      observedGeneration: 2,
      phase: "Progressing",
      canaryStatus: canaryStatus(2, "StepUpgrade"),
    };
    expect((await evaluate(live(status, { paused: true }))).message).toBe(
      "Progressing: batch 2/3 suspended; run `vela workflow resume canary-app` to continue",
    );
  });

  it("healthy once the controller has observed the current spec", async () => {
    const status = { observedGeneration: 2, phase: "Healthy", message: "rollout is healthy" };
    expect(await evaluate(live(status))).toEqual({ isHealth: true, message: "Healthy: rollout is healthy" });
  });

  it("a Healthy left over from the previous spec is not healthy yet", async () => {
    const status = { observedGeneration: 1, phase: "Healthy", message: "rollout is healthy" };
    expect((await evaluate(live(status))).isHealth).toBe(false);
  });
});
