import { describe, expect, it } from "vitest";
import type { Rollout, RolloutStatus } from "../../../src/rollout/model.js";
import type { BatchReleaseView } from "../../../src/rollout/observed.js";
import { planRollout } from "../../../src/rollout/plan.js";
import { at, observe, readyBatchRelease, rollout, t0, trafficRecorder, workload } from "./fixtures.js";

function progressingStatus(
  overrides: Partial<NonNullable<RolloutStatus["canaryStatus"]>> = {},
  reason = "InRolling",
): RolloutStatus {
  return {
    observedGeneration: 1,
    phase: "Progressing",
    currentStepIndex: 1,
    currentStepState: "BeforeStepUpgrade",
    conditions: [
      {
        type: "Progressing",
        status: "True",
        reason,
        message: "Rollout is in Progressing",
        lastUpdateTime: t0.toISOString(),
      },
    ],
    canaryStatus: {
      observedWorkloadGeneration: 2,
      observedRolloutID: "web-v2",
      rolloutHash: "",
      stableRevision: "web-v1",
      canaryRevision: "web-v2",
      podTemplateHash: "web-v2",
      canaryReplicas: 0,
      canaryReadyReplicas: 0,
      currentStepIndex: 1,
      nextStepIndex: 2,
      currentStepState: "BeforeStepUpgrade",
      finalisingStep: "",
      lastUpdateTime: t0.toISOString(),
      ...overrides,
    },
  };
}

function withHash(r: Rollout, status: RolloutStatus): Rollout {
  const first = planRollout(observe(r, t0));
  const hash = (
    first.actions.find((a) => a.kind === "patch") as {
      patch: { metadata: { annotations: Record<string, string> } };
    }
  ).patch.metadata.annotations["rollouts.kruise.io/hash"] as string;
  const sub = status.canaryStatus ? { ...status.canaryStatus, rolloutHash: hash } : undefined;
  return {
    ...r,
    metadata: { ...r.metadata, annotations: { "rollouts.kruise.io/hash": hash } },
    status: { ...status, ...(sub ? { canaryStatus: sub } : {}) },
  };
}

describe("phases", () => {
  it("adds the finalizer and hash, and a first-seen Rollout becomes Healthy with a completed sub-status", () => {
    const r = rollout();
    r.metadata.finalizers = [];
    const plan = planRollout(observe(r, t0, { workload: workload({ inProgressing: false }) }));
    const meta = plan.actions[0] as {
      patch: { metadata: { finalizers: string[]; annotations: Record<string, string> } };
    };
    expect(meta.patch.metadata.finalizers).toEqual(["rollouts.kruise.io/rollout"]);
    expect(meta.patch.metadata.annotations["rollouts.kruise.io/hash"]).toMatch(
      /^[bcdfghjklmnpqrstvwxz2456789]{64}$/,
    );
    expect(plan.status.phase).toBe("Healthy");
    expect(plan.status.message).toBe("rollout is healthy");
  });

  it("reports a missing workload", () => {
    const plan = planRollout(observe(rollout(), t0, { workload: null }));
    expect(plan.status.phase).toBe("Initial");
    expect(plan.status.message).toBe("Workload Not Found");
  });

  it("labels the workload with its type when the label is missing", () => {
    const plan = planRollout(
      observe(rollout(), t0, { workload: workload({ labels: {}, inProgressing: false }) }),
    );
    expect(plan.actions).toContainEqual(
      expect.objectContaining({
        patch: { metadata: { labels: { "rollouts.kruise.io/workload-type": "statefulset" } } },
      }),
    );
  });

  it("synthesises a completed sub-status for a Healthy Rollout on its first deployment", () => {
    const r = rollout({}, { phase: "Healthy", currentStepIndex: 0, currentStepState: "" });
    const plan = planRollout(observe(r, t0, { workload: workload({ inProgressing: false }) }));
    expect(plan.status.canaryStatus).toMatchObject({
      currentStepIndex: 3,
      nextStepIndex: -1,
      currentStepState: "Completed",
    });
    expect(plan.status.currentStepState).toBe("Completed");
    expect(plan.status.message).toBe("workload deployment is completed");
  });

  it("enters Progressing/Initializing when the workload is held in progress", () => {
    const r = rollout({}, { phase: "Healthy", currentStepIndex: 0, currentStepState: "" });
    const plan = planRollout(observe(r, t0));
    expect(plan.status.phase).toBe("Progressing");
    expect(plan.status.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("Initializing");
  });

  it("waits 3 s in Initializing, then moves to InRolling at step 1", () => {
    const status = progressingStatus({}, "Initializing");
    const early = planRollout(observe(rollout({}, status), at(1)));
    expect(early.status.conditions?.[0]?.reason).toBe("Initializing");
    expect(early.requeueAfterMs).toBe(2000);
    const later = planRollout(observe(rollout({}, status), at(4)));
    expect(later.status.conditions?.[0]?.reason).toBe("InRolling");
    expect(later.status.canaryStatus).toMatchObject({
      currentStepIndex: 1,
      nextStepIndex: 2,
      currentStepState: "BeforeStepUpgrade",
    });
  });

  it("goes Disabling from Progressing and Disabled otherwise", () => {
    expect(planRollout(observe(rollout({ disabled: true }, progressingStatus()), t0)).status.phase).toBe(
      "Disabling",
    );
    const healthy = rollout(
      { disabled: true },
      { phase: "Healthy", currentStepIndex: 0, currentStepState: "" },
    );
    expect(planRollout(observe(healthy, t0)).status.phase).toBe("Disabled");
  });
});

describe("a canary step", () => {
  it("creates the BatchRelease parked at the step's batch", () => {
    const r = withHash(rollout(), progressingStatus({ currentStepState: "StepUpgrade" }));
    const plan = planRollout(observe(r, at(1)));
    const create = plan.actions.find((a) => a.kind === "create") as unknown as {
      object: { spec: { releasePlan: Record<string, unknown> } };
    };
    expect(create.object.spec.releasePlan).toMatchObject({
      batches: [{ canaryReplicas: 1 }, { canaryReplicas: "50%" }, { canaryReplicas: "100%" }],
      batchPartition: 0,
      rolloutID: "web-v2",
      rollingStyle: "Partition",
    });
    expect(plan.status.message).toBe("Rollout is in step(1/3), and upgrade workload to new version");
  });

  it("waits for a manual approval once the batch is ready", () => {
    const r = withHash(rollout(), progressingStatus({ currentStepState: "StepUpgrade" }));
    const plan = planRollout(observe(r, at(1), { batchRelease: readyBatchRelease(0, 1) }));
    expect(plan.status.canaryStatus?.currentStepState).toBe("StepPaused");
    expect(plan.status.currentStepState).toBe("StepPaused");
    expect(plan.status.message).toBe(
      "Rollout is in step(1/3), and you need manually confirm to enter the next step",
    );
    expect(plan.status.canaryStatus?.canaryReplicas).toBe(1);
  });

  it("moves to the next step after an approval (StepReady written by kubectl-kruise)", () => {
    const r = withHash(rollout(), progressingStatus({ currentStepState: "StepReady" }));
    const plan = planRollout(observe(r, at(1), { batchRelease: readyBatchRelease(0, 1) }));
    expect(plan.status.canaryStatus).toMatchObject({
      currentStepIndex: 2,
      nextStepIndex: 3,
      currentStepState: "BeforeStepUpgrade",
    });
  });

  it("holds a timed pause until its duration has passed since the step finished", () => {
    const status = progressingStatus({
      currentStepIndex: 2,
      nextStepIndex: 3,
      currentStepState: "StepPaused",
    });
    const r = withHash(rollout(), status);
    const early = planRollout(observe(r, at(3), { batchRelease: readyBatchRelease(1, 2) }));
    expect(early.status.canaryStatus?.currentStepState).toBe("StepPaused");
    expect(early.requeueAfterMs).toBe(2000);
    const later = planRollout(observe(r, at(6), { batchRelease: readyBatchRelease(1, 2) }));
    expect(later.status.canaryStatus).toMatchObject({
      currentStepIndex: 3,
      currentStepState: "BeforeStepUpgrade",
    });
  });

  it("does not pause on a last step of 100%", () => {
    const status = progressingStatus({
      currentStepIndex: 3,
      nextStepIndex: -1,
      currentStepState: "StepUpgrade",
    });
    const plan = planRollout(
      observe(withHash(rollout(), status), at(1), { batchRelease: readyBatchRelease(2, 4) }),
    );
    expect(plan.status.canaryStatus?.currentStepState).toBe("Completed");
  });

  it("jumps when a user patches nextStepIndex", () => {
    const status = progressingStatus({ currentStepState: "StepPaused", nextStepIndex: 3, canaryReplicas: 1 });
    const plan = planRollout(
      observe(withHash(rollout(), status), at(1), { batchRelease: readyBatchRelease(0, 1) }),
    );
    expect(plan.status.canaryStatus).toMatchObject({
      currentStepIndex: 3,
      nextStepIndex: -1,
      currentStepState: "BeforeStepUpgrade",
    });
  });

  it("pins the stable Service before the first batch when the step routes traffic", () => {
    const r = rollout({
      strategy: {
        canary: {
          steps: [{ replicas: 1, traffic: "20%" }, { replicas: "100%" }],
          trafficRoutings: [{ service: "web", gracePeriodSeconds: 0, ingress: { name: "web" } }],
        },
      },
    });
    const traffic = trafficRecorder(new Set(["patchStableService"]));
    const plan = planRollout(
      observe(withHash(r, progressingStatus({ nextStepIndex: 2 })), at(1), { traffic }),
    );
    expect(traffic.calls).toEqual(["patchStableService"]);
    expect(plan.status.canaryStatus?.currentStepState).toBe("BeforeStepUpgrade");
  });
});

describe("finalising", () => {
  it("walks the success order: stable Service, gateway, canary Service, workload, release", () => {
    const r = rollout({
      strategy: {
        canary: {
          steps: [{ replicas: "100%", traffic: "100%" }],
          trafficRoutings: [{ service: "web", gracePeriodSeconds: 0, ingress: { name: "web" } }],
        },
      },
    });
    const status = progressingStatus(
      { currentStepIndex: 1, nextStepIndex: -1, currentStepState: "Completed" },
      "Finalising",
    );
    const traffic = trafficRecorder();
    const plan = planRollout(
      observe(withHash(r, status), at(10), { traffic, batchRelease: readyBatchRelease(0, 4) }),
    );
    expect(traffic.calls).toEqual(["restoreStableService", "restoreGateway", "removeCanaryService"]);
    expect(plan.status.canaryStatus?.finalisingStep).toBe("ResumeWorkload");
    expect(plan.actions).toContainEqual(
      expect.objectContaining({
        patch: { spec: { releasePlan: { batchPartition: null, finalizingPolicy: "WaitResume" } } },
      }),
    );
    expect(plan.actions).toContainEqual(
      expect.objectContaining({
        patch: { metadata: { annotations: { "rollouts.kruise.io/in-progressing": null } } },
      }),
    );
  });

  /** The pass at the finalising task that hands the workload back, with this BatchRelease. */
  const atReleaseWorkloadControl = (batchRelease: BatchReleaseView | null) => {
    const status = progressingStatus(
      {
        currentStepIndex: 3,
        nextStepIndex: -1,
        currentStepState: "Completed",
        finalisingStep: "ReleaseWorkloadControl",
      },
      "Finalising",
    );
    return planRollout(
      observe(withHash(rollout(), status), at(10), {
        batchRelease,
        workload: workload({ inProgressing: false }),
      }),
    );
  };

  it("deletes the release once, then waits for it to go", () => {
    const br = readyBatchRelease(2, 4);
    const first = atReleaseWorkloadControl(br);
    expect(first.actions).toContainEqual(expect.objectContaining({ kind: "delete" }));
    const terminating = atReleaseWorkloadControl({ ...br, deleting: true });
    expect(terminating.actions.filter((a) => a.kind === "delete")).toEqual([]);
    expect(terminating.status.canaryStatus?.finalisingStep).toBe("ReleaseWorkloadControl");
  });

  it("completes once the release is gone", () => {
    const plan = atReleaseWorkloadControl(null);
    expect(plan.status.canaryStatus?.finalisingStep).toBe("END");
    const progressing = plan.status.conditions?.find((c) => c.type === "Progressing");
    expect(progressing).toMatchObject({
      status: "False",
      reason: "Completed",
      message: "Rollout progressing has been completed",
    });
    expect(plan.status.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
  });

  it("cancels on a rollback and restores traffic before the workload", () => {
    const r = rollout({
      strategy: {
        canary: {
          steps: [{ replicas: 1, traffic: "20%" }, { replicas: "100%" }],
          trafficRoutings: [{ service: "web", gracePeriodSeconds: 0, ingress: { name: "web" } }],
        },
      },
    });
    const status = progressingStatus({ currentStepState: "StepPaused", nextStepIndex: 2 });
    const rolledBack = workload({ isRollback: true, canaryRevision: "web-v1" });
    const first = planRollout(observe(withHash(r, status), at(1), { workload: rolledBack }));
    expect(first.status.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("Cancelling");
    const traffic = trafficRecorder();
    const cancelling = { ...first.status };
    const second = planRollout(
      observe({ ...withHash(r, status), status: cancelling }, at(2), {
        workload: rolledBack,
        traffic,
        batchRelease: readyBatchRelease(0, 1),
      }),
    );
    expect(traffic.calls[0]).toBe("restoreGateway");
    expect(second.status.canaryStatus?.finalisingStep).toBe("ResumeWorkload");
    expect(second.actions).toContainEqual(
      expect.objectContaining({
        patch: { spec: { releasePlan: { batchPartition: null, finalizingPolicy: "Immediate" } } },
      }),
    );
  });

  it("restarts from step 1 when a new revision arrives mid-flight", () => {
    const status = progressingStatus({
      currentStepIndex: 2,
      nextStepIndex: 3,
      currentStepState: "StepPaused",
    });
    const v3 = workload({ canaryRevision: "web-v3", podTemplateHash: "web-v3" });
    const first = planRollout(
      observe(withHash(rollout(), status), at(1), { workload: v3, batchRelease: readyBatchRelease(1, 2) }),
    );
    expect(first.actions).toContainEqual(expect.objectContaining({ kind: "delete" }));
    const second = planRollout(
      observe({ ...withHash(rollout(), status), status: first.status }, at(2), {
        workload: v3,
        batchRelease: null,
      }),
    );
    expect(second.status.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("Initializing");
    expect(second.status.canaryStatus).toBeUndefined();
  });

  it("releases everything when the Rollout is deleted, then drops its finalizer", () => {
    const deleting = withHash(rollout(), progressingStatus({ currentStepState: "StepPaused" }));
    deleting.metadata.deletionTimestamp = t0.toISOString();
    const marked = planRollout(observe(deleting, at(1), { batchRelease: readyBatchRelease(0, 1) }));
    expect(marked.status.phase).toBe("Terminating");
    const first = planRollout(
      observe({ ...deleting, status: marked.status }, at(1), { batchRelease: readyBatchRelease(0, 1) }),
    );
    expect(first.actions).toContainEqual(
      expect.objectContaining({
        patch: { spec: { releasePlan: { batchPartition: null, finalizingPolicy: "Immediate" } } },
      }),
    );
    const done = {
      ...deleting,
      status: {
        ...first.status,
        canaryStatus: {
          ...(first.status.canaryStatus as NonNullable<RolloutStatus["canaryStatus"]>),
          finalisingStep: "END" as const,
        },
      },
    };
    const second = planRollout(observe(done, at(2)));
    expect(second.status.conditions?.find((c) => c.type === "Terminating")).toMatchObject({
      reason: "Completed",
      status: "False",
    });
    const third = planRollout(observe({ ...done, status: second.status }, at(3)));
    expect(third.actions[0]).toMatchObject({ patch: { metadata: { finalizers: [] } } });
  });
});
