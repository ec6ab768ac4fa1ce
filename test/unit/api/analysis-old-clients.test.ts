import { describe, expect, it } from "vitest";
import { convertRolloutToV1alpha1, convertRolloutToV1beta1 } from "../../../src/api/conversion.js";
import { RolloutV1alpha1, type RolloutV1alpha1Input } from "../../../src/api/rollout-v1alpha1.js";
import { RolloutV1beta1, type RolloutV1beta1Input } from "../../../src/api/rollout-v1beta1.js";
import { asV030 } from "./v030.js";

// Issue 7 §1: the analysis fields (v1beta1 only) and the run bookkeeping in status.analysis
// survive `vela workflow suspend|resume` writing the Rollout back through v0.3.0 types: the
// v1alpha1 view carries them in the conversion annotation, which such a write sends back as is.

const analysis = {
  templates: [{ templateName: "error-rate" }, { templateName: "latency", clusterScope: true }],
  args: [{ name: "service", value: "{{rollout.name}}" }],
};
const run = {
  phase: "Inconclusive",
  stepIndex: 1,
  canaryRevision: "r2",
  startedAt: "2026-01-01T00:00:00Z",
  message: 'metric "error-rate" was inconclusive with value 0.07',
  decidedBy: { metric: "error-rate", value: "0.07" },
  metrics: [
    {
      name: "error-rate",
      phase: "Inconclusive",
      successful: 0,
      failed: 0,
      inconclusive: 1,
      consecutiveUncounted: 0,
      lastMeasuredAt: "2026-01-01T00:00:01Z",
      measurements: [{ at: "2026-01-01T00:00:01Z", phase: "Inconclusive", value: "0.07" }],
    },
  ],
};

const stored: RolloutV1beta1Input = {
  apiVersion: "rollouts.kruise.io/v1beta1",
  kind: "Rollout",
  metadata: { name: "r", namespace: "ns" },
  spec: {
    workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    strategy: {
      canary: {
        steps: [{ replicas: 1, analysis }, { replicas: "100%" }],
        analysis: { ...analysis, startingStep: 1 },
        progressDeadlineSeconds: 600,
        progressDeadlineAbort: true,
      },
    },
  },
  status: {
    phase: "Progressing",
    currentStepIndex: 1,
    currentStepState: "StepPaused",
    canaryStatus: {
      podTemplateHash: "h2",
      canaryRevision: "r2",
      canaryReplicas: 1,
      canaryReadyReplicas: 1,
      currentStepIndex: 1,
      nextStepIndex: 2,
      finalisingStep: "",
      currentStepState: "StepPaused",
    },
    analysis: { step: run },
  },
};

const received = (write: Record<string, unknown>) =>
  convertRolloutToV1beta1(RolloutV1alpha1.parse(write) as RolloutV1alpha1Input);

describe("analysis through a v0.3.0 full-object write", () => {
  const parsed = RolloutV1beta1.parse(stored);
  const served = convertRolloutToV1alpha1(parsed as RolloutV1beta1Input);

  it("keeps the step and background analysis and the progress deadline (suspend)", () => {
    const write = asV030(served as never) as { spec: { strategy: { paused?: boolean } } };
    write.spec.strategy.paused = true;
    const back = received(write);
    expect(back.spec?.strategy.canary).toMatchObject({
      steps: [{ analysis }, {}],
      analysis: { ...analysis, startingStep: 1 },
      progressDeadlineSeconds: 600,
      progressDeadlineAbort: true,
    });
  });

  it("keeps the run bookkeeping (resume's StepReady)", () => {
    const write = asV030(served as never) as { status: { canaryStatus: Record<string, unknown> } };
    write.status.canaryStatus.currentStepState = "StepReady";
    const back = received(write);
    expect(back.status?.canaryStatus?.currentStepState).toBe("StepReady");
    expect(back.status?.analysis).toEqual({ step: run });
  });
});
