import { describe, expect, it } from "vitest";
import { ItemBackoff } from "../../../src/kube/backoff.js";
import { WorkQueue } from "../../../src/kube/queue.js";
import { FakeClock, settle } from "./fake-clock.js";

/** A reconcile whose runs stay open until the test resolves them. */
function gatedReconcile() {
  const runs: { key: string; finish: (error?: Error) => void }[] = [];
  const reconcile = (key: string) =>
    new Promise<undefined>((resolve, reject) => {
      runs.push({ key, finish: (error) => (error ? reject(error) : resolve(undefined)) });
    });
  return { runs, reconcile };
}

describe("WorkQueue", () => {
  it("runs a key once however many times it was added while waiting", async () => {
    const seen: string[] = [];
    const queue = new WorkQueue({ reconcile: async (key) => void seen.push(key) });
    queue.add("ns/a");
    queue.add("ns/a");
    queue.add("ns/b");
    queue.add("ns/a");
    expect(queue.length).toBe(2);
    queue.start();
    await settle();
    expect(seen).toEqual(["ns/a", "ns/b"]);
  });

  it("never runs one key on two workers, and re-runs a key added during its run", async () => {
    const { runs, reconcile } = gatedReconcile();
    const queue = new WorkQueue({ reconcile, workers: 4 });
    queue.start();
    queue.add("ns/a");
    await settle();
    queue.add("ns/a");
    queue.add("ns/a");
    await settle();
    expect(runs.map((r) => r.key)).toEqual(["ns/a"]);
    expect(queue.processingCount).toBe(1);

    runs[0]?.finish();
    await settle();
    expect(runs.map((r) => r.key)).toEqual(["ns/a", "ns/a"]);
    runs[1]?.finish();
    await settle();
    expect(runs).toHaveLength(2);
    expect(queue.processingCount).toBe(0);
  });

  it("runs different keys in parallel up to the worker count", async () => {
    const { runs, reconcile } = gatedReconcile();
    const queue = new WorkQueue({ reconcile, workers: 2 });
    for (const key of ["a", "b", "c"]) queue.add(key);
    queue.start();
    await settle();
    expect(runs.map((r) => r.key)).toEqual(["a", "b"]);
    expect(queue.length).toBe(1);
    runs[1]?.finish();
    await settle();
    expect(runs.map((r) => r.key)).toEqual(["a", "b", "c"]);
  });

  it("retries a failing key with exponentially growing delays, reset by a success", async () => {
    const clock = new FakeClock();
    const attempts: number[] = [];
    let failuresLeft = 4;
    const queue = new WorkQueue({
      clock,
      reconcile: async () => {
        attempts.push(clock.now());
        if (failuresLeft-- > 0) throw new Error("boom");
      },
    });
    queue.start();
    queue.add("k");
    await clock.advance(1_000);
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] as number));
    expect(gaps).toEqual([5, 10, 20, 40]);
    expect(queue.numRequeues("k")).toBe(0);
  });

  it("caps the backoff at its maximum", () => {
    const backoff = new ItemBackoff({ baseMs: 5, maxMs: 1_000_000 });
    const delays = Array.from({ length: 40 }, () => backoff.next("k"));
    expect(delays.slice(0, 3)).toEqual([5, 10, 20]);
    expect(delays[17]).toBe(655_360);
    expect(delays[18]).toBe(1_000_000);
    expect(delays[39]).toBe(1_000_000);
    backoff.forget("k");
    expect(backoff.next("k")).toBe(5);
  });

  it("reports each failure and keeps the failure count until forgotten", async () => {
    const clock = new FakeClock();
    const errors: string[] = [];
    const queue = new WorkQueue({
      clock,
      reconcile: async () => {
        throw new Error("nope");
      },
      onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`),
    });
    queue.start();
    queue.add("k");
    await clock.advance(5 + 10);
    expect(errors).toEqual(["k: nope", "k: nope", "k: nope"]);
    expect(queue.numRequeues("k")).toBe(3);
    expect(clock.pendingDelays()).toEqual([20]);
  });

  it("addAfter waits for the deadline, and the earliest deadline of a key wins", async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    const queue = new WorkQueue({ clock, reconcile: async () => void seen.push(clock.now()) });
    queue.start();
    const t0 = clock.now();
    queue.addAfter("k", 3_000);
    queue.addAfter("k", 1_000);
    queue.addAfter("k", 2_000);
    await clock.advance(999);
    expect(seen).toEqual([]);
    await clock.advance(5_000);
    expect(seen).toEqual([t0 + 1_000]);
  });

  it("requeues after the delay a reconcile asks for", async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    const queue = new WorkQueue({
      clock,
      reconcile: async () => {
        seen.push(clock.now());
        return seen.length < 3 ? { requeueAfterMs: 5_000 } : undefined;
      },
    });
    queue.start();
    const t0 = clock.now();
    queue.add("k");
    await clock.advance(60_000);
    expect(seen).toEqual([t0, t0 + 5_000, t0 + 10_000]);
  });

  it("holds keys added before start until it starts", async () => {
    const seen: string[] = [];
    const queue = new WorkQueue({ reconcile: async (key) => void seen.push(key) });
    queue.add("a");
    await settle();
    expect(seen).toEqual([]);
    queue.start();
    await settle();
    expect(seen).toEqual(["a"]);
  });

  it("shutdown waits for running reconciles, then drops waiting and parked keys", async () => {
    const clock = new FakeClock();
    const { runs, reconcile } = gatedReconcile();
    const queue = new WorkQueue({ reconcile, clock, workers: 1 });
    queue.start();
    queue.add("running");
    queue.add("waiting");
    queue.addAfter("parked", 100);
    await settle();

    let drained = false;
    const shutdown = queue.shutdown().then(() => {
      drained = true;
    });
    await settle();
    expect(drained).toBe(false);
    queue.add("late");
    runs[0]?.finish();
    await shutdown;
    expect(drained).toBe(true);
    await clock.advance(1_000);
    expect(runs.map((r) => r.key)).toEqual(["running"]);
    expect(clock.pendingDelays()).toEqual([]);
  });
});
