import { describe, expect, it } from "vitest";
import { externalStatus, internalRollout } from "../../../src/rollout/bluegreen-status.js";
import type { Rollout, RolloutStatus } from "../../../src/rollout/model.js";

const common = {
  observedWorkloadGeneration: 2,
  observedRolloutID: "id",
  rolloutHash: "h",
  stableRevision: "s",
  podTemplateHash: "p",
  currentStepIndex: 1,
  nextStepIndex: 2,
  currentStepState: "StepPaused",
  finalisingStep: "",
  lastUpdateTime: "2026-01-01T00:00:00Z",
} as const;

const internal = { ...common, canaryRevision: "c", canaryReplicas: 3, canaryReadyReplicas: 2 };
const stored = { ...common, updatedRevision: "c", updatedReplicas: 3, updatedReadyReplicas: 2 };

function rollout(strategy: Rollout["spec"]["strategy"], status: Record<string, unknown>): Rollout {
  return {
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: { name: "r", namespace: "ns" },
    spec: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" }, strategy },
    status: status as unknown as RolloutStatus,
  };
}

describe("blue-green sub-status at the boundary (upstream BlueGreenStatus)", () => {
  const blueGreen = { blueGreen: { steps: [{ replicas: "100%" }] } };
  const status = { phase: "Progressing", currentStepIndex: 1, currentStepState: "StepPaused" };

  it("reads blueGreenStatus as the state machine's sub-status", () => {
    const r = internalRollout(rollout(blueGreen, { ...status, blueGreenStatus: stored }));
    expect(r.status).toEqual({ ...status, canaryStatus: internal });
  });

  it("stores the sub-status as blueGreenStatus only", () => {
    const r = rollout(blueGreen, {});
    expect(externalStatus(r, { ...status, canaryStatus: internal } as RolloutStatus)).toEqual({
      ...status,
      blueGreenStatus: stored,
    });
  });

  it("leaves canary Rollouts alone", () => {
    const canary = rollout({ canary: { steps: [] } }, { ...status, canaryStatus: internal });
    expect(internalRollout(canary)).toBe(canary);
    const s = { ...status, canaryStatus: internal } as RolloutStatus;
    expect(externalStatus(canary, s)).toBe(s);
  });
});
