// Analysis as the pure core sees it: a resolved run (templates merged, arguments substituted),
// the raw observations the providers brought back, and the bookkeeping persisted in the Rollout's
// status so that a restarted controller continues a run where it was.

export type NoDataPolicy = "pass" | "fail" | "inconclusive" | "retry";

export interface PrometheusProvider {
  prometheus: {
    address: string;
    query: string;
    timeoutMs: number;
    bearerToken?: { secretName: string; key: string };
  };
}

export interface WebProvider {
  web: {
    url: string;
    method: "GET" | "POST";
    headers: { key: string; value: string }[];
    body?: string;
    jsonPath: string;
    timeoutMs: number;
  };
}

export type Provider = PrometheusProvider | WebProvider;

/** One metric of a resolved run; durations in milliseconds, defaults applied. */
export interface MetricSpec {
  name: string;
  provider: Provider;
  successCondition?: string;
  failureCondition?: string;
  /** Absent: a single measurement. */
  intervalMs?: number;
  initialDelayMs: number;
  /** Counted measurements that end the metric; 0 means "until the run is stopped" (background only). */
  count: number;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  noData: NoDataPolicy;
}

export interface ResolvedRun {
  /** Template names, for messages. */
  templates: string[];
  metrics: MetricSpec[];
}

/** What a provider brought back for one metric. */
export type Observation =
  | { kind: "value"; value: unknown }
  | { kind: "noData"; detail: string }
  | { kind: "error"; message: string };

export type MeasurementPhase = "Successful" | "Failed" | "Inconclusive" | "Error" | "NoData";
export type RunPhase = "Running" | "Successful" | "Failed" | "Inconclusive";

export interface Measurement {
  at: string;
  phase: MeasurementPhase;
  /** The value as JSON text, when there was one. */
  value?: string;
  message?: string;
}

/** Counters are the state; `measurements` keeps only the latest few, for people. */
export interface MetricStatus {
  name: string;
  phase: RunPhase;
  successful: number;
  failed: number;
  inconclusive: number;
  /** Errors and retried no-data results since the last counted measurement. */
  consecutiveUncounted: number;
  lastMeasuredAt?: string;
  message?: string;
  measurements: Measurement[];
}

export interface RunStatus {
  phase: RunPhase;
  /** The step the run belongs to (absent for the background run). */
  stepIndex?: number;
  canaryRevision: string;
  startedAt: string;
  message?: string;
  /** The metric and value that decided a Failed or Inconclusive run. */
  decidedBy?: { metric: string; value?: string };
  metrics: MetricStatus[];
}

/** status.analysis of a Rollout. */
export interface AnalysisStatus {
  step?: RunStatus;
  background?: RunStatus;
}

/** A Rollout's reference to templates (steps[i].analysis, strategy.canary.analysis). */
export interface AnalysisRef {
  templates: { templateName: string; clusterScope?: boolean }[];
  args?: { name: string; value: string }[];
  /** Background analysis only. */
  startingStep?: number;
}
