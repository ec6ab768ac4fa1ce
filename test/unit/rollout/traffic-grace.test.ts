import { describe, expect, it } from "vitest";
import type { Rollout, RolloutStatus } from "../../../src/rollout/model.js";
import { planRollout } from "../../../src/rollout/plan.js";
import { at, observe, readyBatchRelease, rollout, t0, trafficRecorder } from "./fixtures.js";

// The traffic grace period counts from lastUpdateTime, which the controller stores in whole
// seconds (as metav1.Time). A change made at 00:00:00.9 is stamped 00:00:00, so a 3 s grace
// measured from the stamp would end 2.1 s after the change. Found by the nginx integration
// test (traffic-ingress.test.ts): the canary Ingress was deleted 2.5 s after the stable
// Service was restored, with gracePeriodSeconds 3.

const wholeSeconds = "2026-01-01T00:00:00Z";

function withHash(r: Rollout, status: RolloutStatus): Rollout {
  const first = planRollout(observe(r, t0));
  const hash = (
    first.actions.find((a) => a.kind === "patch") as {
      patch: { metadata: { annotations: Record<string, string> } };
    }
  ).patch.metadata.annotations["rollouts.kruise.io/hash"] as string;
  return {
    ...r,
    metadata: { ...r.metadata, annotations: { "rollouts.kruise.io/hash": hash } },
    status: {
      ...status,
      ...(status.canaryStatus ? { canaryStatus: { ...status.canaryStatus, rolloutHash: hash } } : {}),
    },
  };
}

function status(reason: string, sub: Partial<NonNullable<RolloutStatus["canaryStatus"]>>): RolloutStatus {
  return {
    observedGeneration: 1,
    phase: "Progressing",
    currentStepIndex: 1,
    currentStepState: "Completed",
    conditions: [
      { type: "Progressing", status: "True", reason, message: "m", lastUpdateTime: t0.toISOString() },
    ],
    canaryStatus: {
      observedWorkloadGeneration: 2,
      observedRolloutID: "web-v2",
      rolloutHash: "",
      stableRevision: "web-v1",
      canaryRevision: "web-v2",
      podTemplateHash: "web-v2",
      canaryReplicas: 1,
      canaryReadyReplicas: 1,
      currentStepIndex: 1,
      nextStepIndex: -1,
      currentStepState: "Completed",
      finalisingStep: "",
      lastUpdateTime: wholeSeconds,
      ...sub,
    },
  };
}

const grace3 = rollout({
  strategy: {
    canary: {
      steps: [{ replicas: 1, traffic: "20%" }],
      trafficRoutings: [{ service: "web", gracePeriodSeconds: 3, ingress: { name: "web" } }],
    },
  },
});

describe("traffic grace period against a whole-second lastUpdateTime", () => {
  it("finalising waits the full grace after the stamped second before the next task", () => {
    const finalising = withHash(grace3, status("Finalising", { finalisingStep: "RestoreStableService" }));
    for (const seconds of [2.5, 3.5]) {
      const traffic = trafficRecorder();
      const plan = planRollout(
        observe(finalising, at(seconds), { traffic, batchRelease: readyBatchRelease(0, 1) }),
      );
      expect(traffic.calls).toEqual(["restoreStableService"]);
      expect(plan.status.canaryStatus?.finalisingStep).toBe("RestoreStableService");
      expect(plan.requeueAfterMs).toBe(4000 - seconds * 1000);
    }
    const traffic = trafficRecorder();
    const plan = planRollout(observe(finalising, at(4), { traffic, batchRelease: readyBatchRelease(0, 1) }));
    expect(traffic.calls).toEqual(["restoreStableService", "restoreGateway", "removeCanaryService"]);
    expect(plan.status.canaryStatus?.finalisingStep).toBe("ResumeWorkload");
  });

  it("a routing step waits the full grace before it touches routes again", () => {
    const routing = withHash(
      grace3,
      status("InRolling", { currentStepState: "StepTrafficRouting", nextStepIndex: -1 }),
    );
    const early = trafficRecorder();
    const waiting = planRollout(
      observe(routing, at(3.5), { traffic: early, batchRelease: readyBatchRelease(0, 1) }),
    );
    expect(early.calls).toEqual([]);
    expect(waiting.requeueAfterMs).toBe(500);
    const late = trafficRecorder();
    planRollout(observe(routing, at(4), { traffic: late, batchRelease: readyBatchRelease(0, 1) }));
    expect(late.calls).toEqual(["ensureRoutes"]);
  });

  it("a stamp with sub-second digits is taken as exact", () => {
    const exact = withHash(
      grace3,
      status("Finalising", { finalisingStep: "RestoreStableService", lastUpdateTime: t0.toISOString() }),
    );
    const traffic = trafficRecorder();
    planRollout(observe(exact, at(3), { traffic, batchRelease: readyBatchRelease(0, 1) }));
    expect(traffic.calls).toEqual(["restoreStableService", "restoreGateway", "removeCanaryService"]);
  });
});
