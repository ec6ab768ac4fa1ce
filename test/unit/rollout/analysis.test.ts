import { describe, expect, it } from "vitest";
import type { Observation, ResolvedRun } from "../../../src/analysis/model.js";
import { activeRuns } from "../../../src/rollout/analysis.js";
import type { Rollout, RolloutStatus } from "../../../src/rollout/model.js";
import type { ObservedAnalysis } from "../../../src/rollout/observed.js";
import { planRollout } from "../../../src/rollout/plan.js";
import { at, observe, readyBatchRelease, rollout, t0, trafficRecorder, workload } from "./fixtures.js";

// The analysis states of the planner: start a run when the batch is Ready, fold the shell's
// observations, move on by itself on success, abort on failure (traffic to stable, then the
// template revert, then Cancelling), hold for a person when inconclusive; and the progress deadline.

const ref = { templates: [{ templateName: "error-rate" }] };
const resolved: ResolvedRun = {
  templates: ["error-rate"],
  metrics: [
    {
      name: "error-rate",
      provider: { prometheus: { address: "http://p", query: "q", timeoutMs: 1000 } },
      successCondition: "result < 0.05",
      failureCondition: "result > 0.1",
      initialDelayMs: 0,
      count: 1,
      failureLimit: 0,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 4,
      noData: "inconclusive",
    },
  ],
};

function withHash(r: Rollout): Rollout {
  const first = planRollout(observe(r, t0));
  const patch = first.actions.find((a) => a.kind === "patch") as {
    patch: { metadata: { annotations: Record<string, string> } };
  };
  return { ...r, metadata: { ...r.metadata, annotations: patch.patch.metadata.annotations } };
}

function progressing(
  r: Rollout,
  state: string,
  extra: Partial<RolloutStatus> = {},
  reason = "InRolling",
): Rollout {
  const hashed = withHash(r);
  const hash = hashed.metadata.annotations?.["rollouts.kruise.io/hash"] ?? "";
  return {
    ...hashed,
    status: {
      observedGeneration: 1,
      phase: "Progressing",
      currentStepIndex: 1,
      currentStepState: state as never,
      conditions: [
        { type: "Progressing", status: "True", reason, message: "m", lastUpdateTime: t0.toISOString() },
      ],
      canaryStatus: {
        observedWorkloadGeneration: 2,
        observedRolloutID: "web-v2",
        rolloutHash: hash,
        stableRevision: "web-v1",
        canaryRevision: "web-v2",
        podTemplateHash: "web-v2",
        canaryReplicas: 1,
        canaryReadyReplicas: 1,
        currentStepIndex: 1,
        nextStepIndex: 2,
        currentStepState: state as never,
        finalisingStep: "",
        lastUpdateTime: t0.toISOString(),
      },
      ...extra,
    },
  };
}

const analysed = (extra = {}) =>
  rollout({
    strategy: { canary: { steps: [{ replicas: 1, analysis: ref }, { replicas: "100%" }], ...extra } },
  });

const measured = (observation: Observation): ObservedAnalysis => ({
  step: { run: resolved, observations: { "error-rate": { at: at(1).toISOString(), observation } } },
});

function afterStart(r: Rollout): Rollout {
  const started = planRollout(observe(r, at(0), { batchRelease: readyBatchRelease(0, 1) }));
  expect(started.status.analysis?.step).toMatchObject({
    phase: "Running",
    stepIndex: 1,
    canaryRevision: "web-v2",
  });
  expect(started.status.canaryStatus?.currentStepState).toBe("StepMetricsAnalysis");
  return { ...r, status: started.status };
}

describe("step analysis", () => {
  const r = progressing(analysed(), "StepMetricsAnalysis");

  it("is what the shell measures, only while the persisted status is in StepMetricsAnalysis", () => {
    expect(activeRuns(r)).toEqual({ step: { index: 1, ref } });
    expect(activeRuns(progressing(analysed(), "StepPaused"))).toEqual({});
    expect(activeRuns(progressing(analysed(), "StepMetricsAnalysis", {}, "Paused"))).toEqual({});
  });

  it("moves on by itself when successful", () => {
    const plan = planRollout(
      observe(afterStart(r), at(1), {
        batchRelease: readyBatchRelease(0, 1),
        analysis: measured({ kind: "value", value: 0.01 }),
      }),
    );
    expect(plan.status.analysis?.step?.phase).toBe("Successful");
    expect(plan.status.canaryStatus).toMatchObject({ currentStepIndex: 2 });
    expect(plan.actions.some((a) => a.kind === "event" && a.reason === "AnalysisSuccessful")).toBe(true);
  });

  it("aborts on failure, naming the metric and its value", () => {
    const plan = planRollout(
      observe(afterStart(r), at(1), {
        batchRelease: readyBatchRelease(0, 1),
        analysis: measured({ kind: "value", value: 0.5 }),
      }),
    );
    const cond = plan.status.conditions?.find((c) => c.type === "Progressing");
    expect(cond?.reason).toBe("Aborting");
    expect(cond?.message).toContain('metric "error-rate" failed with value 0.5');
    expect(plan.status.message).toBe(cond?.message);
    const event = plan.actions.find((a) => a.kind === "event" && a.reason === "AnalysisFailed");
    expect(event).toMatchObject({ type: "Warning" });
  });

  it("holds for a person when inconclusive, whatever the step's pause says, until approved", () => {
    const rr = progressing(
      rollout({
        strategy: {
          canary: { steps: [{ replicas: 1, analysis: ref, pause: { duration: 1 } }, { replicas: "100%" }] },
        },
      }),
      "StepMetricsAnalysis",
    );
    const plan = planRollout(
      observe(afterStart(rr), at(1), {
        batchRelease: readyBatchRelease(0, 1),
        analysis: measured({ kind: "noData", detail: "nothing" }),
      }),
    );
    expect(plan.status.canaryStatus?.currentStepState).toBe("StepPaused");
    const later = planRollout(
      observe({ ...rr, status: plan.status }, at(100), { batchRelease: readyBatchRelease(0, 1) }),
    );
    expect(later.status.canaryStatus?.currentStepState).toBe("StepPaused");
    expect(later.status.message).toContain("analysis inconclusive");
    expect(later.status.message).toContain("no data");
  });

  it("waits for the next due measurement while running", () => {
    const plan = planRollout(
      observe(afterStart(r), at(1), {
        batchRelease: readyBatchRelease(0, 1),
        analysis: { step: { run: resolved, observations: {} } },
      }),
    );
    expect(plan.status.canaryStatus?.currentStepState).toBe("StepMetricsAnalysis");
    expect(plan.requeueAfterMs).toBe(0);
  });

  it("leaves a measurement in flight to bring the Rollout back by itself", () => {
    const plan = planRollout(
      observe(afterStart(r), at(1), {
        batchRelease: readyBatchRelease(0, 1),
        analysis: { step: { run: resolved, observations: {}, measuring: ["error-rate"] } },
      }),
    );
    expect(plan.status.canaryStatus?.currentStepState).toBe("StepMetricsAnalysis");
    expect(plan.requeueAfterMs).toBeUndefined();
  });

  it("reports templates that cannot be resolved and retries", () => {
    const plan = planRollout(
      observe(afterStart(r), at(1), {
        batchRelease: readyBatchRelease(0, 1),
        analysis: { step: { error: 'AnalysisTemplate "error-rate" not found', observations: {} } },
      }),
    );
    expect(plan.status.message).toContain('AnalysisTemplate "error-rate" not found');
    expect(plan.requeueAfterMs).toBe(10_000);
  });
});

describe("aborting", () => {
  const revert = {
    action: {
      kind: "patch" as const,
      target: { apiVersion: "apps/v1", kind: "StatefulSet", namespace: "ns", name: "web" },
      patchType: "strategic" as const,
      patch: { spec: { template: {} } },
    },
  };
  const aborting = progressing(analysed(), "StepMetricsAnalysis", {}, "Aborting");

  it("routes traffic to stable first, and only then reverts the workload template", () => {
    const traffic = trafficRecorder(new Set(["restoreGateway"]));
    const first = planRollout(observe(aborting, at(10), { traffic, analysis: { revert } }));
    expect(traffic.calls).toEqual(["restoreGateway"]);
    expect(first.actions.some((a) => a.kind === "patch" && a.target.kind === "StatefulSet")).toBe(false);
    const second = planRollout(
      observe({ ...aborting, status: first.status }, at(20), { traffic, analysis: { revert } }),
    );
    expect(second.actions).toContainEqual(revert.action);
  });

  it("hands over to Cancelling once the workload is rolled back, and reports Aborted at the end", () => {
    const rolledBack = workload({ canaryRevision: "web-v1", podTemplateHash: "web-v1", isRollback: true });
    const plan = planRollout(observe(aborting, at(10), { workload: rolledBack, analysis: { revert } }));
    const cond = plan.status.conditions?.find((c) => c.type === "Progressing");
    expect(cond).toMatchObject({ reason: "Cancelling", message: "m" });
  });

  it("never reverts over a newer release", () => {
    const newer = workload({ canaryRevision: "web-v3", podTemplateHash: "web-v3" });
    const plan = planRollout(observe(aborting, at(10), { workload: newer, analysis: { revert } }));
    expect(plan.actions).not.toContainEqual(revert.action);
    expect(plan.status.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("InRolling");
  });
});

describe("progressDeadlineSeconds", () => {
  const notReady = readyBatchRelease(0, 1, {});
  const cs = notReady.status.canaryStatus;
  if (cs) cs.batchState = "Upgrading";

  it("aborts a batch that is not Ready in time when progressDeadlineAbort is set", () => {
    const r = progressing(
      analysed({ progressDeadlineSeconds: 30, progressDeadlineAbort: true }),
      "StepUpgrade",
    );
    const early = planRollout(observe(r, at(10), { batchRelease: notReady }));
    expect(early.status.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("InRolling");
    const late = planRollout(observe(r, at(31), { batchRelease: notReady }));
    const cond = late.status.conditions?.find((c) => c.type === "Progressing");
    expect(cond?.reason).toBe("Aborting");
    expect(cond?.message).toContain("not Ready within progressDeadlineSeconds 30");
  });

  it("pauses and says so otherwise", () => {
    const r = progressing(analysed({ progressDeadlineSeconds: 30 }), "StepUpgrade");
    const late = planRollout(observe(r, at(31), { batchRelease: notReady }));
    expect(late.status.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("InRolling");
    expect(late.status.message).toContain("paused: step(1/2) not Ready within progressDeadlineSeconds 30");
    expect(late.actions.some((a) => a.kind === "event" && a.reason === "ProgressDeadlineExceeded")).toBe(
      true,
    );
  });
});
