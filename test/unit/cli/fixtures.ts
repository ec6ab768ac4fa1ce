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

/** The same release as a blue-green Deployment, with its status where upstream stores it. */
export function blueGreenAt(
  step: number,
  state: StepState,
  phase: "Progressing" | "Healthy" = "Progressing",
): Rollout {
  const r = rolloutAt(step, state, phase);
  const { canaryStatus, ...rest } = r.status as NonNullable<Rollout["status"]>;
  const { canaryRevision, canaryReplicas, canaryReadyReplicas, ...common } = canaryStatus as NonNullable<
    typeof canaryStatus
  >;
  return {
    ...r,
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      strategy: { blueGreen: { steps } },
    },
    status: {
      ...rest,
      blueGreenStatus: {
        ...common,
        updatedRevision: canaryRevision,
        updatedReplicas: canaryReplicas,
        updatedReadyReplicas: canaryReadyReplicas,
      },
    } as NonNullable<Rollout["status"]>,
  };
}
