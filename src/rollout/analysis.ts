import { advanceRun, nextDue } from "../analysis/evaluate.js";
import type { AnalysisRef, ResolvedRun, RunStatus } from "../analysis/model.js";
import { abort } from "./abort.js";
import { ConditionType, getCondition, ProgressingReason } from "./conditions.js";
import type { CanaryStep, Rollout } from "./model.js";
import type { ObservedRun } from "./observed.js";
import type { Pass } from "./pass.js";
import { strategyOf } from "./steps.js";

// Metric analysis in the state machine. The shell measures only what activeRuns() names, from the
// persisted status, and hands the observations over; the plan folds them into status.analysis and
// decides: success moves on without approval, failure aborts, inconclusive waits for a person.

/** How long a run whose templates cannot be resolved waits before trying again. */
const resolveRetryMs = 10_000;

export interface ActiveRuns {
  step?: { index: number; ref: AnalysisRef };
  background?: AnalysisRef;
}

/** The runs the persisted status has in progress, so the shell knows what to measure. */
export function activeRuns(rollout: Rollout): ActiveRuns {
  const status = rollout.status;
  const sub = status?.canaryStatus;
  const reason = getCondition(status?.conditions, ConditionType.Progressing)?.reason;
  if (status?.phase !== "Progressing" || reason !== ProgressingReason.InRolling || !sub) return {};
  const strategy = strategyOf(rollout);
  const out: ActiveRuns = {};
  const stepRef = strategy.steps[sub.currentStepIndex - 1]?.analysis;
  if (sub.currentStepState === "StepMetricsAnalysis" && stepRef) {
    out.step = { index: sub.currentStepIndex, ref: stepRef };
  }
  const bg = strategy.analysis;
  if (bg && sub.currentStepState !== "Completed" && sub.currentStepIndex >= (bg.startingStep ?? 1)) {
    out.background = bg;
  }
  return out;
}

function analysisStatus(pass: Pass) {
  pass.status.analysis ??= {};
  return pass.status.analysis;
}

function requeueAtNextDue(pass: Pass, run: ResolvedRun, status: RunStatus, measuring: string[]): void {
  for (const spec of run.metrics) {
    // A measurement in flight brings the Rollout back by itself when it ends.
    if (measuring.includes(spec.name)) continue;
    const due = nextDue(
      spec,
      status.metrics.find((m) => m.name === spec.name),
      status.startedAt,
    );
    if (due !== undefined) pass.requeue(Math.max(0, due - pass.now.getTime()));
  }
}

/** Folds the observed measurements into a run; undefined when this pass cannot move it. */
function advance(pass: Pass, observed: ObservedRun | undefined, status: RunStatus, what: string) {
  if (!observed) return undefined;
  if (observed.error || !observed.run) {
    const message = `${what}: ${observed.error ?? "templates not resolved"}`;
    if (status.message !== message) pass.event("Warning", "AnalysisError", message);
    status.message = message;
    pass.status.message = message;
    pass.requeue(resolveRetryMs);
    return undefined;
  }
  const next = advanceRun(observed.run, status, observed.observations);
  requeueAtNextDue(pass, observed.run, next, observed.measuring ?? []);
  return next;
}

/**
 * Background analysis, before the step's own work. Returns false when it aborted the rollout.
 * A new canary revision starts a new run; an Inconclusive one holds at the next step boundary.
 */
export function runBackgroundAnalysis(pass: Pass): boolean {
  const sub = pass.canary;
  const bg = strategyOf(pass.rollout).analysis;
  if (!sub || !bg) {
    if (pass.status.analysis?.background) delete pass.status.analysis.background;
    return true;
  }
  if (sub.currentStepIndex < (bg.startingStep ?? 1)) return true;
  const state = analysisStatus(pass);
  let run = state.background;
  if (!run || run.canaryRevision !== sub.canaryRevision) {
    run = { phase: "Running", canaryRevision: sub.canaryRevision, startedAt: pass.nowIso, metrics: [] };
    pass.requeue(0);
  }
  const next = advance(pass, pass.observed.analysis?.background, run, "background analysis") ?? run;
  state.background = next;
  if (next.phase === "Failed" && run.phase !== "Failed") {
    abort(pass, `background analysis: ${next.message ?? "failed"}`, "AnalysisFailed");
    return false;
  }
  if (next.phase === "Inconclusive" && run.phase !== "Inconclusive") {
    pass.event("Warning", "AnalysisInconclusive", `background analysis: ${next.message ?? ""}`);
  }
  return true;
}

/**
 * StepMetricsAnalysis. Returns true when the state moved on within this pass (to StepPaused, or
 * to StepReady on success), false when the pass ends here.
 */
export function runStepAnalysis(pass: Pass, current: CanaryStep): boolean {
  const sub = pass.canary;
  if (!sub) return false;
  const ref = current.analysis;
  if (!ref) {
    sub.currentStepState = "StepPaused";
    return true;
  }
  const n = strategyOf(pass.rollout).steps.length;
  const state = analysisStatus(pass);
  let run = state.step;
  if (!run || run.stepIndex !== sub.currentStepIndex || run.canaryRevision !== sub.canaryRevision) {
    run = {
      phase: "Running",
      stepIndex: sub.currentStepIndex,
      canaryRevision: sub.canaryRevision,
      startedAt: pass.nowIso,
      metrics: [],
    };
    state.step = run;
    pass.event("Normal", "AnalysisStarted", `step(${sub.currentStepIndex}/${n}) analysis started`);
    pass.status.message = `Rollout is in step(${sub.currentStepIndex}/${n}), and analysis started`;
    pass.requeue(0);
    return false;
  }
  const next = advance(
    pass,
    pass.observed.analysis?.step,
    run,
    `step(${sub.currentStepIndex}/${n}) analysis`,
  );
  if (!next) return false;
  state.step = next;
  const where = `step(${sub.currentStepIndex}/${n}) analysis`;
  switch (next.phase) {
    case "Successful":
      pass.event("Normal", "AnalysisSuccessful", `${where}: ${next.message ?? ""}`);
      pass.touch();
      sub.currentStepState = "StepReady";
      return true;
    case "Failed":
      abort(pass, `${where}: ${next.message ?? "failed"}`, "AnalysisFailed");
      return false;
    case "Inconclusive":
      pass.event("Warning", "AnalysisInconclusive", `${where}: ${next.message ?? ""}`);
      pass.touch();
      sub.currentStepState = "StepPaused";
      return true;
    case "Running":
      pass.status.message = `Rollout is in step(${sub.currentStepIndex}/${n}), analysing: ${next.message ?? ""}`;
      sub.message = pass.status.message;
      return false;
  }
}

/** Why a paused step waits for a person whatever its pause says: an inconclusive analysis. */
export function analysisHold(pass: Pass): string | undefined {
  const sub = pass.canary;
  const a = pass.status.analysis;
  if (!sub || !a) return undefined;
  if (a.step?.phase === "Inconclusive" && a.step.stepIndex === sub.currentStepIndex) {
    return `analysis inconclusive, ${a.step.message ?? ""}`;
  }
  if (a.background?.phase === "Inconclusive")
    return `background analysis inconclusive, ${a.background.message ?? ""}`;
  return undefined;
}

/** A person approved past an inconclusive background run: it starts over, as a fresh run. */
export function acknowledgeAnalysis(pass: Pass): void {
  if (pass.status.analysis?.background?.phase === "Inconclusive") delete pass.status.analysis.background;
}
