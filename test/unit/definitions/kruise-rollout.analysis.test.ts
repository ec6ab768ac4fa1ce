import { describe, expect, it } from "vitest";
import { convertRolloutToV1beta1 } from "../../../src/api/conversion.js";
import { RolloutV1alpha1, type RolloutV1alpha1Input } from "../../../src/api/rollout-v1alpha1.js";
import { RolloutV1beta1 } from "../../../src/api/rollout-v1beta1.js";
import { validateRolloutV1beta1 } from "../../../src/api/validation.js";
import { baseContext, deploymentOutput } from "./components.js";
import { expectValidRollout } from "./schema.js";
import { renderTrait } from "./trait.js";

// Analysis from the v1alpha1 trait: step and background analysis and the progress deadline are
// v1beta1 fields, carried on the rendered v1alpha1 Rollout in the conversion's restore annotation.
// Each case renders the trait, validates the v1alpha1 object, converts it as the apiserver would
// and checks the v1beta1 Rollout the controller gets.

const render = (parameter: unknown) =>
  renderTrait("kruise-rollout", { context: { ...baseContext, output: deploymentOutput }, parameter });

const errorRate = {
  templates: [{ templateName: "error-rate" }],
  args: [{ name: "service", value: "{{rollout.name}}-{{rollout.podTemplateHash}}" }],
};
const latency = { templates: [{ templateName: "latency", clusterScope: true }] };

function stored(rollout: Record<string, unknown>) {
  return RolloutV1beta1.parse(
    convertRolloutToV1beta1(RolloutV1alpha1.parse(rollout) as RolloutV1alpha1Input),
  );
}

describe("kruise-rollout trait: analysis", () => {
  it("carries per-step analysis with arguments to the v1beta1 Rollout", async () => {
    const { outputs, errs } = await render({
      canary: {
        steps: [
          { replicas: 1, analysis: errorRate },
          { replicas: "50%" },
          { replicas: "100%", analysis: latency },
        ],
      },
    });
    expect(errs).toEqual([]);
    expectValidRollout(outputs.rollout);
    const canary = stored(outputs.rollout).spec?.strategy.canary;
    expect(canary?.steps?.map((s) => s.analysis)).toEqual([errorRate, undefined, latency]);
    expect(canary?.analysis).toBeUndefined();
    // Everything else is what the trait renders without analysis.
    expect(canary?.steps?.map((s) => s.replicas)).toEqual([1, "50%", "100%"]);
  });

  it("carries background analysis with startingStep, and the progress deadline", async () => {
    const { outputs, errs } = await render({
      canary: {
        steps: [{ weight: 20 }, { weight: 50 }, { weight: 100 }],
        trafficRoutings: [{ type: "nginx" }],
        analysis: { ...errorRate, startingStep: 2 },
        progressDeadlineSeconds: 300,
        progressDeadlineAbort: true,
      },
    });
    expect(errs).toEqual([]);
    expectValidRollout(outputs.rollout);
    const beta = stored(outputs.rollout);
    expect(beta.spec?.strategy.canary).toMatchObject({
      analysis: { ...errorRate, startingStep: 2 },
      progressDeadlineSeconds: 300,
      progressDeadlineAbort: true,
    });
    expect(validateRolloutV1beta1(beta)).toEqual([]);
  });

  it("renders no annotation without analysis, and keeps the rolling-style annotation beside it", async () => {
    const plain = await render({ canary: { steps: [{ weight: 20 }] } });
    expect((plain.outputs.rollout.metadata as { annotations?: unknown }).annotations).toBeUndefined();
    const batch = await render({
      releaseMode: "batch",
      canary: { steps: [{ replicas: 1, analysis: errorRate }] },
    });
    const annotations = (batch.outputs.rollout.metadata as { annotations: Record<string, string> })
      .annotations;
    expect(annotations["rollouts.kruise.io/rolling-style"]).toBe("partition");
    expect(JSON.parse(annotations["rollouts.kruise.io/v1beta1-only"] ?? "")).toEqual([
      { path: ["spec", "strategy", "canary", "steps", 0, "analysis"], to: errorRate },
    ]);
  });

  it("reports an analysis without templates and a startingStep beyond the steps", async () => {
    const { errs } = await render({
      canary: {
        steps: [{ replicas: 1, analysis: { templates: [] } }],
        analysis: { templates: [], startingStep: 3 },
      },
    });
    expect(errs).toEqual([
      "canary.steps[0].analysis.templates: name at least one template",
      "canary.analysis.templates: name at least one template",
      "canary.analysis.startingStep: there are only 1 steps",
    ]);
  });

  it("fails with CUE's message for a template reference the trait does not know", async () => {
    await expect(
      render({ canary: { steps: [{ replicas: 1, analysis: { templates: [{ name: "x" }] } }] } }),
    ).rejects.toThrow(/field not allowed: name|templateName/);
  });
});
