// Every metric family the controller exports, on one registry. Runtime-level families reuse
// controller-runtime's names (reconcile, workqueue), so dashboards built for upstream's
// manager keep working; what upstream lacks is named kruise_rollout_*.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Rollout } from "../rollout/model.js";
import { strategyOf } from "../rollout/steps.js";

// Reconciles and API calls are milliseconds to seconds; pauses and steps are seconds to hours.
const fastBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const phases = ["Initial", "Healthy", "Progressing", "Terminating", "Disabling", "Disabled"] as const;
const stepBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

/** What the gauges read at scrape time; main.ts fills it in once the caches and queues exist. */
export interface MetricSources {
  rollouts: () => Rollout[];
  queues: Map<string, { readonly length: number }>;
}

export function createMetrics() {
  const registry = new Registry();
  const sources: MetricSources = { rollouts: () => [], queues: new Map() };
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    sources,
    reconcileTotal: new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Reconciles per controller and result (success, error, requeue_after)",
      labelNames: ["controller", "result"] as const,
      registers,
    }),
    reconcileErrors: new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Reconciles that failed, per controller",
      labelNames: ["controller"] as const,
      registers,
    }),
    reconcileTime: new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Time of one reconcile, per controller",
      labelNames: ["controller"] as const,
      buckets: fastBuckets,
      registers,
    }),
    queueDepth: new Gauge({
      name: "workqueue_depth",
      help: "Keys waiting for a worker",
      labelNames: ["name"] as const,
      registers,
      collect() {
        for (const [name, queue] of sources.queues) this.set({ name }, queue.length);
      },
    }),
    queueLatency: new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long a key waited in the queue before a worker took it",
      labelNames: ["name"] as const,
      buckets: fastBuckets,
      registers,
    }),
    // Per-Rollout gauges are rebuilt from the cache at each scrape, so a deleted Rollout's
    // series disappear with it instead of lingering with their last value.
    rolloutPhase: new Gauge({
      name: "kruise_rollout_phase",
      help: "1 for the phase each Rollout is in, 0 for the others",
      labelNames: ["namespace", "name", "phase"] as const,
      registers,
      collect() {
        this.reset();
        for (const r of sources.rollouts()) {
          const { namespace, name } = r.metadata;
          for (const phase of phases) this.set({ namespace, name, phase }, r.status?.phase === phase ? 1 : 0);
        }
      },
    }),
    rolloutStep: new Gauge({
      name: "kruise_rollout_step",
      help: "Current step of each Rollout (1-based), labelled with its sub-state",
      labelNames: ["namespace", "name", "state"] as const,
      registers,
      collect() {
        this.reset();
        for (const r of sources.rollouts()) {
          const sub = r.status?.canaryStatus;
          const { namespace, name } = r.metadata;
          this.set({ namespace, name, state: sub?.currentStepState ?? "" }, sub?.currentStepIndex ?? 0);
        }
      },
    }),
    rolloutSteps: new Gauge({
      name: "kruise_rollout_steps_total",
      help: "Number of steps in each Rollout's plan",
      labelNames: ["namespace", "name"] as const,
      registers,
      collect() {
        this.reset();
        for (const r of sources.rollouts()) {
          const { namespace, name } = r.metadata;
          this.set({ namespace, name }, strategyOf(r).steps.length);
        }
      },
    }),
    stepDuration: new Histogram({
      name: "kruise_rollout_step_duration_seconds",
      help: "Time from entering a step to leaving it (pauses included), as seen by this process",
      labelNames: ["step"] as const,
      buckets: stepBuckets,
      registers,
    }),
    webhookLatency: new Histogram({
      name: "kruise_rollout_webhook_latency_seconds",
      help: "Time to answer one webhook request, per path",
      labelNames: ["webhook"] as const,
      buckets: fastBuckets,
      registers,
    }),
    webhookRequests: new Counter({
      name: "kruise_rollout_webhook_requests_total",
      help: "Webhook requests per path and outcome (allowed, denied, converted, error)",
      labelNames: ["webhook", "outcome"] as const,
      registers,
    }),
    apiRequests: new Counter({
      name: "kruise_rollout_api_requests_total",
      help: "Requests to the API server per verb, resource and HTTP code (0: no answer)",
      labelNames: ["verb", "resource", "code"] as const,
      registers,
    }),
    apiLatency: new Histogram({
      name: "kruise_rollout_api_request_duration_seconds",
      help: "Time of one API request, per verb",
      labelNames: ["verb"] as const,
      buckets: fastBuckets,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
