import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  advanceRun,
  classify,
  emptyMetric,
  nextDue,
  record,
  startRun,
} from "../../../src/analysis/evaluate.js";
import type { MetricSpec, MetricStatus, Observation, ResolvedRun } from "../../../src/analysis/model.js";

const metric = (over: Partial<MetricSpec> = {}): MetricSpec => ({
  name: "error-rate",
  provider: { prometheus: { address: "http://p", query: "q", timeoutMs: 1000 } },
  successCondition: "result < 0.05",
  failureCondition: "result > 0.1",
  intervalMs: 1000,
  initialDelayMs: 0,
  count: 3,
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 3,
  noData: "inconclusive",
  ...over,
});

const value = (v: unknown): Observation => ({ kind: "value", value: v });
const noData: Observation = { kind: "noData", detail: "the query returned nothing" };
const error: Observation = { kind: "error", message: "prometheus http://p unreachable: ECONNREFUSED" };

const fold = (m: MetricSpec, observations: Observation[]): MetricStatus =>
  observations.reduce(
    (s, o, i) =>
      s.phase === "Running" ? record(m, s, o, `2026-01-01T00:00:${String(i).padStart(2, "0")}Z`) : s,
    emptyMetric(m.name),
  );

describe("classify", () => {
  it("applies the conditions the Argo way", () => {
    expect(classify(metric(), value(0.01), 0).phase).toBe("Successful");
    expect(classify(metric(), value(0.5), 0)).toMatchObject({ phase: "Failed", value: "0.5" });
    expect(classify(metric(), value(0.07), 0).phase).toBe("Inconclusive");
    expect(classify(metric({ failureCondition: undefined }), value(0.07), 0).phase).toBe("Failed");
    expect(classify(metric({ successCondition: undefined }), value(0.07), 0).phase).toBe("Successful");
    expect(
      classify(metric({ successCondition: undefined, failureCondition: undefined }), value(1), 0).phase,
    ).toBe("Inconclusive");
    expect(
      classify(
        metric({ successCondition: "result[0] < 1 && size(result) == 2", failureCondition: undefined }),
        value([0.5, 2]),
        0,
      ).phase,
    ).toBe("Successful");
  });

  it("counts an expression that cannot be evaluated as an error", () => {
    const m = classify(metric({ successCondition: "result < 1" }), value("text"), 0);
    expect(m.phase).toBe("Error");
    expect(m.message).toContain("condition:");
  });

  it("maps no data by policy; retry stays uncounted until the limit", () => {
    expect(classify(metric({ noData: "pass" }), noData, 0).phase).toBe("Successful");
    expect(classify(metric({ noData: "fail" }), noData, 0).phase).toBe("Failed");
    expect(classify(metric({ noData: "inconclusive" }), noData, 0).phase).toBe("Inconclusive");
    expect(classify(metric({ noData: "retry" }), noData, 0).phase).toBe("NoData");
    expect(classify(metric({ noData: "retry" }), noData, 2).phase).toBe("Inconclusive");
  });

  it("retries provider errors, then applies the noData policy and says so", () => {
    expect(classify(metric({ noData: "fail" }), error, 0).phase).toBe("Error");
    const last = classify(metric({ noData: "fail" }), error, 2);
    expect(last.phase).toBe("Failed");
    expect(last.message).toContain("unreachable");
    expect(last.message).toContain("3 consecutive errors");
    expect(classify(metric({ noData: "retry" }), error, 2).phase).toBe("Inconclusive");
  });
});

describe("a metric's phase", () => {
  it("fails past failureLimit, is inconclusive past inconclusiveLimit, succeeds at count", () => {
    expect(fold(metric(), [value(0.01), value(0.5)]).phase).toBe("Failed");
    expect(fold(metric({ failureLimit: 1 }), [value(0.5), value(0.01), value(0.01)]).phase).toBe(
      "Successful",
    );
    expect(fold(metric(), [value(0.07)]).phase).toBe("Inconclusive");
    expect(fold(metric(), [value(0.01), error, value(0.01)]).phase).toBe("Running");
    expect(fold(metric(), [value(0.01), error, value(0.01), value(0.02)]).phase).toBe("Successful");
  });

  it("keeps only the latest measurements", () => {
    const s = fold(
      metric({ count: 0 }),
      Array.from({ length: 9 }, () => value(0.01)),
    );
    expect(s.successful).toBe(9);
    expect(s.measurements).toHaveLength(5);
  });

  it("is due after the initial delay, then every interval, and never once ended", () => {
    const m = metric({ initialDelayMs: 5000 });
    const start = "2026-01-01T00:00:00Z";
    expect(nextDue(m, undefined, start)).toBe(Date.parse(start) + 5000);
    const one = record(m, emptyMetric(m.name), value(0.01), "2026-01-01T00:00:10Z");
    expect(nextDue(m, one, start)).toBe(Date.parse("2026-01-01T00:00:11Z"));
    expect(nextDue(m, record(m, one, value(0.5), "2026-01-01T00:00:11Z"), start)).toBeUndefined();
  });
});

// Random measurement sequences against a direct statement of the rules.
const observation = fc.oneof(
  fc.double({ min: 0, max: 0.2, noNaN: true }).map(value),
  fc.constant(noData),
  fc.constant(error),
);
const spec = fc.record({
  count: fc.integer({ min: 1, max: 6 }),
  failureLimit: fc.integer({ min: 0, max: 2 }),
  inconclusiveLimit: fc.integer({ min: 0, max: 2 }),
  consecutiveErrorLimit: fc.integer({ min: 1, max: 4 }),
  noData: fc.constantFrom("pass", "fail", "inconclusive", "retry" as const),
});

describe("properties over random measurement sequences", () => {
  it("the phase is decided by the counters, which never exceed what was observed", () => {
    fc.assert(
      fc.property(spec, fc.array(observation, { maxLength: 20 }), (over, observations) => {
        const m = metric(over);
        const s = fold(m, observations);
        const counted = s.successful + s.failed + s.inconclusive;
        expect(counted).toBeLessThanOrEqual(observations.length);
        expect(s.consecutiveUncounted).toBeLessThan(m.consecutiveErrorLimit);
        if (s.failed > m.failureLimit) expect(s.phase).toBe("Failed");
        else if (s.inconclusive > m.inconclusiveLimit) expect(s.phase).toBe("Inconclusive");
        else if (counted >= m.count) expect(s.phase).toBe(s.successful > 0 ? "Successful" : "Inconclusive");
        else expect(s.phase).toBe("Running");
        // Once decided, nothing more is counted: the decision is the last counted measurement.
        if (s.phase !== "Running")
          expect(counted).toBeLessThanOrEqual(m.count + m.failureLimit + m.inconclusiveLimit + 1);
      }),
    );
  });

  it("a run continued from its persisted status ends exactly like an uninterrupted one", () => {
    fc.assert(
      fc.property(spec, fc.array(observation, { maxLength: 20 }), fc.nat(20), (over, observations, cut) => {
        const m = metric(over);
        const whole = fold(m, observations);
        const persisted = JSON.parse(JSON.stringify(fold(m, observations.slice(0, cut)))) as MetricStatus;
        const resumed = observations
          .slice(cut)
          .reduce(
            (s, o, i) =>
              s.phase === "Running"
                ? record(m, s, o, `2026-01-01T00:00:${String(cut + i).padStart(2, "0")}Z`)
                : s,
            persisted,
          );
        expect(resumed).toEqual(whole);
      }),
    );
  });

  it("never succeeds without a successful measurement (Argo #4479: all errors reported Successful)", () => {
    const unsuccessful = fc.oneof(
      fc.double({ min: 0.05, max: 0.2, noNaN: true }).map(value),
      fc.constant(error),
    );
    fc.assert(
      fc.property(spec, fc.array(unsuccessful, { maxLength: 20 }), (over, observations) => {
        const m = metric({ ...over, noData: over.noData === "pass" ? "inconclusive" : over.noData });
        expect(fold(m, observations).phase).not.toBe("Successful");
      }),
    );
  });
});

describe("a run", () => {
  const run: ResolvedRun = {
    templates: ["t"],
    metrics: [metric({ name: "a", count: 1 }), metric({ name: "b", count: 1 })],
  };

  it("is decided by its worst metric, named with its value", () => {
    const at = "2026-01-01T00:00:01Z";
    const started = startRun(run, "rev", "2026-01-01T00:00:00Z", 1);
    const next = advanceRun(run, started, {
      a: { at, observation: value(0.01) },
      b: { at, observation: value(0.5) },
    });
    expect(next.phase).toBe("Failed");
    expect(next.decidedBy).toEqual({ metric: "b", value: "0.5" });
    expect(next.message).toBe('metric "b" failed with value 0.5: failureCondition "result > 0.1" is true');
    const ok = advanceRun(run, started, {
      a: { at, observation: value(0.01) },
      b: { at, observation: value(0.02) },
    });
    expect(ok).toMatchObject({ phase: "Successful", message: "all 2 metrics successful" });
    expect(advanceRun(run, started, { a: { at, observation: value(0.01) } }).phase).toBe("Running");
  });
});
