import { firstLine, verdict } from "./conditions.js";
import type {
  Measurement,
  MeasurementPhase,
  MetricSpec,
  MetricStatus,
  Observation,
  ResolvedRun,
  RunPhase,
  RunStatus,
} from "./model.js";

// The pure evaluation: observations are folded into per-metric counters, and the counters decide
// the phase. Only the counters are state, so a run persisted in the status and continued after a
// restart ends exactly as an uninterrupted one would.

/** Measurements kept in the status per metric, for people to read; the counters hold the rest. */
export const keptMeasurements = 5;
/** When a metric without an interval must be measured again (after an error or a retried no-data). */
export const retryMs = 10_000;

const counted = (s: MetricStatus) => s.successful + s.failed + s.inconclusive;

const noDataAs = { pass: "Successful", fail: "Failed", inconclusive: "Inconclusive" } as const;

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function why(metric: MetricSpec, phase: "Failed" | "Inconclusive"): string {
  if (phase === "Inconclusive") return "matched neither successCondition nor failureCondition";
  // With a failureCondition, only that condition being true fails (a false successCondition is
  // then inconclusive); without one, a false successCondition fails.
  return metric.failureCondition
    ? `failureCondition "${metric.failureCondition}" is true`
    : `successCondition "${metric.successCondition ?? ""}" is false`;
}

/** What one observation counts as, given the metric's uncounted streak so far. */
export function classify(
  metric: MetricSpec,
  observation: Observation,
  streak: number,
): Omit<Measurement, "at"> {
  if (observation.kind === "value") {
    const value = show(observation.value);
    try {
      const phase = verdict(metric, observation.value);
      return { phase, value, ...(phase !== "Successful" && { message: why(metric, phase) }) };
    } catch (err) {
      return { phase: "Error", value, message: `condition: ${firstLine(err)}` };
    }
  }
  const limitReached = streak + 1 >= metric.consecutiveErrorLimit;
  if (observation.kind === "error") {
    if (!limitReached) return { phase: "Error", message: observation.message };
    const phase: MeasurementPhase = metric.noData === "retry" ? "Inconclusive" : noDataAs[metric.noData];
    return {
      phase,
      message: `${observation.message} (${streak + 1} consecutive errors; counted as ${phase} by noData policy ${metric.noData})`,
    };
  }
  if (metric.noData !== "retry") {
    return {
      phase: noDataAs[metric.noData],
      message: `no data: ${observation.detail} (noData policy ${metric.noData})`,
    };
  }
  if (!limitReached) return { phase: "NoData", message: `no data: ${observation.detail}, retrying` };
  return {
    phase: "Inconclusive",
    message: `no data: ${observation.detail} (${streak + 1} consecutive times; noData policy retry)`,
  };
}

export function metricPhase(metric: MetricSpec, s: MetricStatus): RunPhase {
  if (s.failed > metric.failureLimit) return "Failed";
  if (s.inconclusive > metric.inconclusiveLimit) return "Inconclusive";
  // Tolerated failures alone never make a success: reaching count without one successful
  // measurement is for a person to judge (Argo reports such a run Successful, #4479).
  if (metric.count > 0 && counted(s) >= metric.count) return s.successful > 0 ? "Successful" : "Inconclusive";
  return "Running";
}

export function emptyMetric(name: string): MetricStatus {
  return {
    name,
    phase: "Running",
    successful: 0,
    failed: 0,
    inconclusive: 0,
    consecutiveUncounted: 0,
    measurements: [],
  };
}

/** Folds one observation, taken at `at`, into a metric's status. */
export function record(
  metric: MetricSpec,
  status: MetricStatus,
  observation: Observation,
  at: string,
): MetricStatus {
  const m: Measurement = { at, ...classify(metric, observation, status.consecutiveUncounted) };
  const next: MetricStatus = {
    ...status,
    successful: status.successful + (m.phase === "Successful" ? 1 : 0),
    failed: status.failed + (m.phase === "Failed" ? 1 : 0),
    inconclusive: status.inconclusive + (m.phase === "Inconclusive" ? 1 : 0),
    consecutiveUncounted: m.phase === "Error" || m.phase === "NoData" ? status.consecutiveUncounted + 1 : 0,
    lastMeasuredAt: at,
    measurements: [...status.measurements, m].slice(-keptMeasurements),
  };
  next.phase = metricPhase(metric, next);
  const summary = `${next.successful} successful, ${next.failed} failed, ${next.inconclusive} inconclusive`;
  next.message = `${m.phase}${m.value !== undefined ? ` (value ${m.value})` : ""}${m.message ? `: ${m.message}` : ""}; ${summary}`;
  return next;
}

/** When a metric is next due (epoch ms), or undefined when it has ended. */
export function nextDue(
  metric: MetricSpec,
  status: MetricStatus | undefined,
  startedAt: string,
): number | undefined {
  if (status && status.phase !== "Running") return undefined;
  if (!status?.lastMeasuredAt) return Date.parse(startedAt) + metric.initialDelayMs;
  return Date.parse(status.lastMeasuredAt) + (metric.intervalMs ?? retryMs);
}

const severity: Record<RunPhase, number> = { Failed: 3, Inconclusive: 2, Running: 1, Successful: 0 };

/** Failed over Inconclusive over Running over Successful; the deciding metric is the first of the worst. */
export function runPhase(metrics: MetricStatus[]): { phase: RunPhase; decider?: MetricStatus } {
  let worst: MetricStatus | undefined;
  for (const m of metrics) if (!worst || severity[m.phase] > severity[worst.phase]) worst = m;
  return { phase: worst?.phase ?? "Successful", ...(worst && { decider: worst }) };
}

export function startRun(
  run: ResolvedRun,
  canaryRevision: string,
  at: string,
  stepIndex?: number,
): RunStatus {
  return {
    phase: "Running",
    ...(stepIndex !== undefined && { stepIndex }),
    canaryRevision,
    startedAt: at,
    metrics: run.metrics.map((m) => emptyMetric(m.name)),
  };
}

/** The value a Failed or Inconclusive metric was decided on: its latest measurement of that phase. */
function decidingValue(m: MetricStatus): string | undefined {
  return [...m.measurements].reverse().find((x) => x.phase === m.phase)?.value;
}

/** Folds the observations (by metric name) into a run and recomputes its phase and message. */
export function advanceRun(
  run: ResolvedRun,
  status: RunStatus,
  observations: Record<string, { at: string; observation: Observation }>,
): RunStatus {
  const metrics = run.metrics.map((spec) => {
    const current = status.metrics.find((m) => m.name === spec.name) ?? emptyMetric(spec.name);
    const taken = observations[spec.name];
    return taken && current.phase === "Running"
      ? record(spec, current, taken.observation, taken.at)
      : current;
  });
  const { phase, decider } = runPhase(metrics);
  const next: RunStatus = { ...status, phase, metrics };
  delete next.decidedBy;
  delete next.message;
  if (decider && (phase === "Failed" || phase === "Inconclusive")) {
    const value = decidingValue(decider);
    next.decidedBy = { metric: decider.name, ...(value !== undefined && { value }) };
    next.message =
      `metric "${decider.name}" ${phase === "Failed" ? "failed" : "was inconclusive"}${value !== undefined ? ` with value ${value}` : ""}: ${decider.measurements.at(-1)?.message ?? decider.message ?? ""}`.replace(
        /: $/,
        "",
      );
  } else if (phase === "Successful") {
    next.message = `all ${metrics.length} metrics successful`;
  } else {
    next.message = metrics
      .map((m) => `${m.name}: ${m.message ?? "waiting for the first measurement"}`)
      .join("; ");
  }
  return next;
}
