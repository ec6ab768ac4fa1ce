// A 3-step StatefulSet rollout at a chosen step, with its pods, for the rendering tests.
import type { BatchRelease, Pod } from "../../../src/release/model.js";
import type { Rollout, StepState } from "../../../src/rollout/model.js";

export const steps = [{ replicas: 1 }, { replicas: "50%", pause: { duration: 30 } }, { replicas: "100%" }];

export function rolloutAt(
  step: number,
  state: StepState,
  phase: "Progressing" | "Healthy" = "Progressing",
): Rollout {
  return {
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: { name: "web", namespace: "shop", generation: 1 },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "web" },
      strategy: { canary: { steps } },
    },
    status: {
      observedGeneration: 1,
      phase,
      conditions: [],
      message: `Rollout is in step(${step}/3)`,
      currentStepIndex: step,
      currentStepState: state,
      canaryStatus: {
        observedRolloutID: "web-new",
        stableRevision: "web-old",
        canaryRevision: "web-new",
        podTemplateHash: "web-new",
        canaryReplicas: step,
        canaryReadyReplicas: step,
        currentStepIndex: step,
        nextStepIndex: step < 3 ? step + 1 : -1,
        currentStepState: state,
        finalisingStep: "",
        lastUpdateTime: "2026-01-01T00:00:00Z",
      },
    },
  };
}

export function pod(ordinal: number, revision: string, batch?: number, ready = true): Pod {
  return {
    metadata: {
      name: `web-${ordinal}`,
      namespace: "shop",
      labels: {
        app: "web",
        "controller-revision-hash": revision,
        ...(batch
          ? {
              "rollouts.kruise.io/rollout-id": "web-new",
              "rollouts.kruise.io/rollout-batch-id": String(batch),
            }
          : {}),
      },
    },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  } as Pod;
}

export const batchRelease = { status: { observedWorkloadReplicas: 4 } } as BatchRelease;
