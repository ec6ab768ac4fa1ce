import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { apiVerb } from "../../../src/observe/api-calls.js";
import { createMetrics } from "../../../src/observe/metrics.js";
import { instrumentReconcile } from "../../../src/observe/reconcile.js";
import { rolloutTransitions } from "../../../src/observe/transitions.js";
import { webhookOutcome } from "../../../src/observe/webhook-outcome.js";
import { rolloutAt } from "../cli/fixtures.js";

const quiet = pino({ level: "silent" });

describe("metrics", () => {
  it("names API calls by Kubernetes verb and resource", () => {
    expect(apiVerb("GET", "/api/v1/namespaces/a/pods", false)).toEqual({ verb: "list", resource: "pods" });
    expect(apiVerb("GET", "/apis/apps/v1/statefulsets", true)).toEqual({
      verb: "watch",
      resource: "statefulsets",
    });
    expect(
      apiVerb("PATCH", "/apis/rollouts.kruise.io/v1beta1/namespaces/a/rollouts/web/status", false),
    ).toEqual({
      verb: "patch",
      resource: "rollouts/status",
    });
    expect(apiVerb("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x", false)).toEqual({
      verb: "get",
      resource: "customresourcedefinitions",
    });
  });

  it("reads a webhook's outcome from its review", () => {
    expect(webhookOutcome(200, { response: { allowed: true } })).toBe("allowed");
    expect(webhookOutcome(200, { response: { allowed: false, status: { code: 403 } } })).toBe("denied");
    expect(webhookOutcome(200, { response: { allowed: false, status: { code: 500 } } })).toBe("error");
    expect(webhookOutcome(200, { response: { result: { status: "Success" } } })).toBe("converted");
    expect(webhookOutcome(400, {})).toBe("error");
  });

  it("counts reconciles by result and exposes per-rollout phase and step gauges", async () => {
    const metrics = createMetrics();
    const ok = instrumentReconcile(metrics, "rollout", async () => ({ requeueAfterMs: 10 }));
    const bad = instrumentReconcile(metrics, "rollout", async () => {
      throw new Error("boom");
    });
    await ok("a/b");
    await expect(bad("a/b")).rejects.toThrow("boom");
    metrics.sources.rollouts = () => [rolloutAt(2, "StepPaused")];
    metrics.sources.queues.set("rollout", { length: 3 });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'controller_runtime_reconcile_total{controller="rollout",result="requeue_after"} 1',
    );
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="rollout"} 1');
    expect(text).toContain('kruise_rollout_phase{namespace="shop",name="web",phase="Progressing"} 1');
    expect(text).toContain('kruise_rollout_phase{namespace="shop",name="web",phase="Healthy"} 0');
    expect(text).toContain('kruise_rollout_step{namespace="shop",name="web",state="StepPaused"} 2');
    expect(text).toContain('workqueue_depth{name="rollout"} 3');
    // Deleted rollouts leave no series behind.
    metrics.sources.rollouts = () => [];
    expect(await metrics.registry.metrics()).not.toContain('kruise_rollout_phase{namespace="shop"');
  });

  it("times a step from its start to the next step, as seen by this process", async () => {
    const metrics = createMetrics();
    let now = 0;
    const observe = rolloutTransitions(metrics, () => now);
    const at = (step: number, state: "BeforeStepUpgrade" | "StepPaused") => rolloutAt(step, state);
    observe(at(3, "BeforeStepUpgrade"), at(1, "BeforeStepUpgrade").status ?? ({} as never), quiet);
    now = 4000;
    observe(at(1, "StepPaused"), at(2, "BeforeStepUpgrade").status ?? ({} as never), quiet);
    const text = await metrics.registry.metrics();
    expect(text).toContain('kruise_rollout_step_duration_seconds_sum{step="1"} 4');
    expect(text).toContain('kruise_rollout_step_duration_seconds_count{step="1"} 1');
  });
});
