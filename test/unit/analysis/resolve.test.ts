import { describe, expect, it } from "vitest";
import { resolveRun, type TemplateObject } from "../../../src/analysis/resolve.js";

const context = {
  name: "web",
  namespace: "prod",
  canaryRevision: "c1",
  stableRevision: "s1",
  podTemplateHash: "h1",
};

const template = (over: Partial<TemplateObject> = {}): TemplateObject => ({
  name: "rate",
  clusterScope: false,
  spec: {
    args: [{ name: "service" }, { name: "hash", value: "{{rollout.podTemplateHash}}" }],
    metrics: [
      {
        name: "errors",
        provider: {
          prometheus: {
            address: "http://prom:9090",
            query: 'sum(rate(x{svc="{{args.service}}",hash="{{args.hash}}",ns="{{rollout.namespace}}"}[1m]))',
          },
        },
        successCondition: "result < 0.05",
        interval: "30s",
      },
    ],
  },
  ...over,
});

describe("resolveRun", () => {
  it("substitutes arguments and rollout placeholders and applies the defaults", () => {
    const run = resolveRun(
      { templates: [{ templateName: "rate" }], args: [{ name: "service", value: "{{rollout.name}}-svc" }] },
      [template()],
      context,
      false,
    );
    expect(run.metrics).toEqual([
      {
        name: "errors",
        provider: {
          prometheus: {
            address: "http://prom:9090",
            query: 'sum(rate(x{svc="web-svc",hash="h1",ns="prod"}[1m]))',
            timeoutMs: 10_000,
          },
        },
        successCondition: "result < 0.05",
        intervalMs: 30_000,
        initialDelayMs: 0,
        count: 1,
        failureLimit: 0,
        inconclusiveLimit: 0,
        consecutiveErrorLimit: 4,
        noData: "inconclusive",
      },
    ]);
    expect(
      resolveRun(
        { templates: [{ templateName: "rate" }], args: [{ name: "service", value: "x" }] },
        [template()],
        context,
        true,
      ).metrics[0]?.count,
    ).toBe(0);
  });

  it("says what is wrong", () => {
    const ref = { templates: [{ templateName: "rate" }] };
    expect(() => resolveRun(ref, [template()], context, false)).toThrow('argument "service" has no value');
    expect(() =>
      resolveRun({ templates: [{ templateName: "rate", clusterScope: true }] }, [template()], context, false),
    ).toThrow('ClusterAnalysisTemplate "rate" not found');
    const broken = template();
    const m = broken.spec.metrics[0];
    if (m) m.successCondition = "result <";
    expect(() =>
      resolveRun({ ...ref, args: [{ name: "service", value: "x" }] }, [broken], context, false),
    ).toThrow("successCondition");
  });
});
