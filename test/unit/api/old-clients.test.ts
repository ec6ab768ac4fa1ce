import { describe, expect, it } from "vitest";
import { convertRolloutToV1alpha1, convertRolloutToV1beta1 } from "../../../src/api/conversion.js";
import { RolloutV1alpha1, type RolloutV1alpha1Input } from "../../../src/api/rollout-v1alpha1.js";
import { RolloutV1beta1, type RolloutV1beta1Input } from "../../../src/api/rollout-v1beta1.js";
import { reviewRolloutAdmission } from "../../../src/api/validation.js";
import { Annotations } from "../../../src/api/well-known.js";
import { asV030 } from "./v030.js";

// Issue §5: `vela workflow suspend|resume|rollback` write v1alpha1 Rollouts back through
// openkruise/rollouts v0.3.0 types. Nothing the controller or the user needs may be lost.

const stored: RolloutV1beta1Input = {
  apiVersion: "rollouts.kruise.io/v1beta1",
  kind: "Rollout",
  metadata: { name: "r", namespace: "ns", annotations: { "example.com/note": "keep" } },
  spec: {
    workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    strategy: {
      paused: false,
      canary: {
        enableExtraWorkloadForCanary: true,
        steps: [
          {
            replicas: 1,
            traffic: "10%",
            pause: {},
            requestHeaderModifier: { set: [{ name: "x-canary", value: "1" }] },
            matches: [{ headers: [{ name: "h", value: "v" }], path: { value: "/api" } }],
          },
          { replicas: "100%" },
        ],
        trafficRoutings: [
          {
            service: "web",
            gracePeriodSeconds: 0,
            customNetworkRefs: [{ apiVersion: "networking.istio.io/v1", kind: "VirtualService", name: "vs" }],
          },
        ],
        patchPodTemplateMetadata: { labels: { canary: "yes" } },
        disableGenerateCanaryService: true,
      },
    },
  },
  status: {
    phase: "Progressing",
    observedGeneration: 1,
    currentStepIndex: 2,
    currentStepState: "StepPaused",
    canaryStatus: {
      podTemplateHash: "h2",
      canaryRevision: "r2",
      canaryReplicas: 4,
      canaryReadyReplicas: 4,
      currentStepIndex: 2,
      nextStepIndex: -1,
      finalisingStep: "",
      currentStepState: "StepPaused",
    },
  },
};

/** The apiserver decodes a v1alpha1 write with the v1alpha1 CRD defaults, then converts it. */
const received = (write: Record<string, unknown>) =>
  convertRolloutToV1beta1(RolloutV1alpha1.parse(write) as RolloutV1alpha1Input);

describe("a v0.3.0 full-object write", () => {
  const served = convertRolloutToV1alpha1(RolloutV1beta1.parse(stored) as RolloutV1beta1Input);

  it("drops fields v0.3.0 does not know (the reason for the pins)", () => {
    const write = asV030(served as never) as { spec: { strategy: { canary: Record<string, unknown> } } };
    expect(write.spec.strategy.canary).not.toHaveProperty("patchPodTemplateMetadata");
    expect(write.spec.strategy.canary.trafficRoutings).toEqual([{ service: "web" }]);
  });

  it("of the spec (suspend, resume, rollback) keeps every field but the one it changed", () => {
    for (const paused of [true, false]) {
      const write = asV030(served as never) as { spec: { strategy: { paused?: boolean } } };
      write.spec.strategy.paused = paused;
      const back = received(write);
      expect(back.spec).toEqual({
        ...RolloutV1beta1.parse(stored).spec,
        strategy: { ...RolloutV1beta1.parse(stored).spec?.strategy, paused },
      });
      expect(back.metadata?.annotations?.["example.com/note"]).toBe("keep");
    }
  });

  it("of the status (resume's StepReady) keeps nextStepIndex and finalisingStep", () => {
    const write = asV030(served as never) as { status: { canaryStatus: Record<string, unknown> } };
    write.status.canaryStatus.currentStepState = "StepReady";
    expect(write.status.canaryStatus).not.toHaveProperty("nextStepIndex");
    const back = received(write);
    expect(back.status?.canaryStatus).toMatchObject({
      currentStepState: "StepReady",
      nextStepIndex: -1,
      finalisingStep: "",
    });
  });

  it("passes validation while Progressing (nothing it dropped counts as a change)", () => {
    const write = asV030(served as never) as { spec: { strategy: { paused?: boolean } } };
    write.spec.strategy.paused = true;
    const review = reviewRolloutAdmission(
      {
        request: {
          uid: "u",
          kind: { group: "rollouts.kruise.io", version: "v1alpha1", kind: "Rollout" },
          operation: "UPDATE",
          object: RolloutV1alpha1.parse(write),
          oldObject: served,
        },
      },
      { livePhase: "Progressing" },
    );
    expect(review.response?.status?.message).toBeUndefined();
    expect(review.response?.allowed).toBe(true);
  });

  it("leaves pins out of v1beta1 and lets v1beta1 remove pinned fields", () => {
    const beta = RolloutV1beta1.parse(stored) as RolloutV1beta1Input;
    const canary = beta.spec?.strategy.canary;
    if (canary) delete canary.patchPodTemplateMetadata;
    const alpha = convertRolloutToV1alpha1(beta);
    expect(alpha.spec?.strategy.canary).not.toHaveProperty("patchPodTemplateMetadata");
    expect(alpha.metadata?.annotations?.[Annotations.v1beta1Only]).not.toContain("patchPodTemplateMetadata");
    expect(convertRolloutToV1beta1(alpha).spec?.strategy.canary).not.toHaveProperty(
      "patchPodTemplateMetadata",
    );
  });
});
