import { describe, expect, it } from "vitest";
import { emptyMetric, record } from "../../../src/analysis/evaluate.js";
import type { MetricSpec, Observation } from "../../../src/analysis/model.js";
import { MeasurementRunner, measurementSlot } from "../../../src/controller/analysis-runner.js";

// The measurement runner keeps provider queries off the reconcile path: a pass gets what is in and
// never waits; each slot is measured once; a finished measurement enqueues its Rollout; results
// stay until a pass no longer asks for them; concurrency is bounded over all Rollouts.

/** A measurement the test finishes by hand. */
function gate() {
  let finish: (o: Observation) => void = () => {};
  let calls = 0;
  const promise = new Promise<Observation>((resolve) => {
    finish = resolve;
  });
  return {
    measure: () => {
      calls += 1;
      return promise;
    },
    finish: (value: unknown) => finish({ kind: "value", value }),
    get calls() {
      return calls;
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function runner(concurrency = 2) {
  const done: string[] = [];
  let now = 1_000_000;
  const r = new MeasurementRunner({
    concurrency,
    onDone: (key) => done.push(key),
    keepMs: 60_000,
    now: () => now,
  });
  return { r, done, advance: (ms: number) => (now += ms) };
}

describe("measurement runner", () => {
  it("returns at once, measures in the background, and enqueues the Rollout when done", async () => {
    const { r, done } = runner();
    const g = gate();
    const first = r.pass("ns/a", [{ origin: "p", slot: "s1", measure: g.measure }]);
    expect(first.taken.size).toBe(0);
    expect([...first.measuring]).toEqual(["s1"]);
    g.finish(0.01);
    await flush();
    expect(done).toEqual(["ns/a"]);
    const second = r.pass("ns/a", [{ origin: "p", slot: "s1", measure: g.measure }]);
    expect(second.taken.get("s1")?.observation).toEqual({ kind: "value", value: 0.01 });
    expect(second.measuring.size).toBe(0);
    expect(g.calls).toBe(1);
  });

  it("measures a slot once however many passes ask, and hands its result over until it is not asked for", async () => {
    const { r } = runner();
    const g = gate();
    for (let i = 0; i < 5; i++) r.pass("ns/a", [{ origin: "p", slot: "s1", measure: g.measure }]);
    expect(g.calls).toBe(1);
    g.finish(1);
    await flush();
    // A pass whose status write failed asks again and gets the same result, not a new query.
    const a = r.pass("ns/a", [{ origin: "p", slot: "s1", measure: g.measure }]).taken.get("s1");
    const b = r.pass("ns/a", [{ origin: "p", slot: "s1", measure: g.measure }]).taken.get("s1");
    expect(b).toEqual(a);
    expect(g.calls).toBe(1);
    // The status recorded it: the next slot is asked for, the old result is gone.
    const next = gate();
    r.pass("ns/a", [{ origin: "p", slot: "s2", measure: next.measure }]);
    const again = gate();
    expect(r.pass("ns/a", [{ origin: "p", slot: "s1", measure: again.measure }]).taken.size).toBe(0);
    expect(again.calls).toBe(1);
  });

  it("bounds the measurements in flight over all Rollouts, and a slow one holds only its own slot", async () => {
    const { r, done } = runner(2);
    const slow1 = gate();
    const slow2 = gate();
    r.pass("ns/slow1", [{ origin: "p", slot: "s", measure: slow1.measure }]);
    r.pass("ns/slow2", [{ origin: "p", slot: "s", measure: slow2.measure }]);
    const quick = gate();
    const queued = r.pass("ns/quick", [{ origin: "p", slot: "s", measure: quick.measure }]);
    expect([...queued.measuring]).toEqual(["s"]);
    expect(quick.calls).toBe(0);
    expect(r.pending).toBe(3);
    slow1.finish(1);
    await flush();
    expect(quick.calls).toBe(1);
    quick.finish(2);
    await flush();
    expect(done).toEqual(["ns/slow1", "ns/quick"]);
    expect(
      r.pass("ns/quick", [{ origin: "p", slot: "s", measure: quick.measure }]).taken.get("s")?.observation,
    ).toEqual({
      kind: "value",
      value: 2,
    });
  });

  it("keeps a hanging provider to its own share: another provider's measurement starts at once", async () => {
    const done: string[] = [];
    const r = new MeasurementRunner({ concurrency: 8, perOrigin: 2, onDone: (key) => done.push(key) });
    const hanging = [gate(), gate(), gate()];
    hanging.forEach((g, i) => {
      r.pass(`ns/slow${i}`, [{ origin: "prometheus:9090", slot: "s", measure: g.measure }]);
    });
    expect(hanging.map((g) => g.calls)).toEqual([1, 1, 0]);
    const other = gate();
    r.pass("ns/other", [{ origin: "web:80", slot: "s", measure: other.measure }]);
    expect(other.calls).toBe(1);
    other.finish(1);
    await flush();
    expect(done).toEqual(["ns/other"]);
    // The third waits for a slot of its own provider.
    hanging[0]?.finish(1);
    await flush();
    expect(hanging[2]?.calls).toBe(1);
  });

  it("turns a thrown error into an error reading", async () => {
    const { r } = runner();
    r.pass("ns/a", [
      {
        origin: "p",
        slot: "s",
        measure: () => Promise.reject(new Error("boom")),
      },
    ]);
    await flush();
    expect(
      r.pass("ns/a", [{ origin: "p", slot: "s", measure: gate().measure }]).taken.get("s")?.observation,
    ).toEqual({
      kind: "error",
      message: "boom",
    });
  });

  it("drops results nobody asked for within keepMs (a Rollout deleted meanwhile)", async () => {
    const { r, advance } = runner();
    const g = gate();
    r.pass("ns/gone", [{ origin: "p", slot: "s", measure: g.measure }]);
    g.finish(1);
    await flush();
    advance(60_001);
    r.pass("ns/other", []);
    const again = gate();
    expect(r.pass("ns/gone", [{ origin: "p", slot: "s", measure: again.measure }]).taken.size).toBe(0);
    expect(again.calls).toBe(1);
  });
});

describe("measurement slots", () => {
  const spec: MetricSpec = {
    name: "m",
    provider: { web: { url: "http://x", method: "GET", headers: [], jsonPath: "$", timeoutMs: 1000 } },
    successCondition: "result < 1",
    intervalMs: 200,
    initialDelayMs: 0,
    count: 10,
    failureLimit: 0,
    inconclusiveLimit: 0,
    consecutiveErrorLimit: 5,
    noData: "retry",
  };
  const run = { stepIndex: 1, canaryRevision: "r2", startedAt: "2026-01-01T00:00:00Z" };

  it("never repeat within a run, even for folds within the same second", () => {
    const at = "2026-01-01T00:00:01Z";
    const slots = [measurementSlot(run, "m", undefined)];
    let status = emptyMetric("m");
    for (const observation of [
      { kind: "value", value: 0.5 },
      { kind: "error", message: "down" },
      { kind: "noData", detail: "empty" },
      { kind: "value", value: 0.5 },
      { kind: "value", value: 0.5 },
    ] as const) {
      status = record(spec, status, observation, at);
      slots.push(measurementSlot(run, "m", status));
    }
    expect(new Set(slots).size).toBe(slots.length);
  });

  it("are the same before and after the empty entry is written, so a first measurement is not taken twice", () => {
    expect(measurementSlot(run, "m", emptyMetric("m"))).toBe(measurementSlot(run, "m", undefined));
  });

  it("differ between the step run and the background run, and between runs", () => {
    const { stepIndex: _, ...background } = run;
    expect(measurementSlot(run, "m", undefined)).not.toBe(measurementSlot(background, "m", undefined));
    expect(measurementSlot(run, "m", undefined)).not.toBe(
      measurementSlot({ ...run, startedAt: "2026-01-01T00:05:00Z" }, "m", undefined),
    );
  });
});
