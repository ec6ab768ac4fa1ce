import { describe, expect, it } from "vitest";
import {
  deletionOrder,
  expectationTimeoutMs,
  maxUnavailableOf,
  planDaemonSetDeletes,
} from "../../../src/controller/native-daemonset-plan.js";
import type { Pod } from "../../../src/release/model.js";
import type { DaemonSet } from "../../../src/release/workloads/daemonset.js";
import { daemonSet, dsPod } from "./daemonset-fixtures.js";

const control = (partition: string, batchRevision = "h2") => ({
  "rollouts.kruise.io/daemonset-advanced-control": JSON.stringify({
    partition,
    "batch-revision": batchRevision,
  }),
});
const ds = (partition: string, maxUnavailable: number | string = 1) =>
  daemonSet({ annotations: control(partition), maxUnavailable });
/** A pass on a DaemonSet whose controller creates pods on h2. */
const pass = (...args: [DaemonSet, Pod[], Map<string, number>, number]) =>
  planDaemonSetDeletes(...args, "h2");
const t0 = Date.parse("2026-01-01T00:00:00Z");
const names = (pods: { metadata: { name?: string } }[]) => pods.map((p) => p.metadata.name);
const old4 = [dsPod("a", "h1"), dsPod("b", "h1"), dsPod("c", "h1"), dsPod("d", "h1")];

describe("native DaemonSet pod deletion (upstream nativedaemonset controller)", () => {
  it("does nothing without the batch annotation", () => {
    const plan = pass(daemonSet(), old4, new Map(), t0);
    expect(plan.deletes).toEqual([]);
    expect(plan.requeueAfterMs).toBeUndefined();
  });

  it("deletes old pods until pods − partition run the batch revision, one at a time by default", () => {
    const plan = pass(ds("2"), old4, new Map(), t0);
    expect(plan.deletes).toHaveLength(1);
    expect([...plan.expectations.keys()]).toEqual([plan.deletes[0]?.metadata.uid]);
    const wider = pass(ds("2", "50%"), old4, new Map(), t0);
    expect(wider.deletes).toHaveLength(2);
  });

  it("stops once enough pods are updated", () => {
    const pods = [dsPod("a", "h2"), dsPod("b", "h2"), dsPod("c", "h1"), dsPod("d", "h1")];
    const plan = pass(ds("2", 4), pods, new Map(), t0);
    expect(plan.deletes).toEqual([]);
    expect(plan.message).toContain("batch done");
  });

  it("counts updated pods that are not Ready, and old pods terminating, against maxUnavailable", () => {
    const unready = [
      dsPod("a", "h2", { ready: false }),
      dsPod("b", "h1"),
      dsPod("c", "h1"),
      dsPod("d", "h1"),
    ];
    expect(pass(ds("0"), unready, new Map(), t0).deletes).toEqual([]);
    const terminating = [
      dsPod("a", "h1", { terminating: true }),
      dsPod("b", "h1"),
      dsPod("c", "h1"),
      dsPod("d", "h1"),
    ];
    expect(pass(ds("0"), terminating, new Map(), t0).deletes).toEqual([]);
    // A terminating old pod also stands for its replacement: with room, one fewer is deleted.
    expect(pass(ds("2", 4), terminating, new Map(), t0).deletes).toHaveLength(1);
  });

  it("deletes old pods that are not Ready without using the budget", () => {
    const pods = [
      dsPod("a", "h2", { ready: false }),
      dsPod("b", "h1", { ready: false }),
      dsPod("c", "h1"),
      dsPod("d", "h1"),
    ];
    expect(names(pass(ds("0"), pods, new Map(), t0).deletes)).toEqual(["b"]);
  });

  it("waits for its own deletions to be seen, then forgets them after the timeout", () => {
    const first = pass(ds("2"), old4, new Map(), t0);
    const again = pass(ds("2"), old4, first.expectations, t0 + 1000);
    expect(again.deletes).toEqual([]);
    expect(again.requeueAfterMs).toBe(2000);
    const gone = old4.filter((p) => p !== first.deletes[0]);
    const next = pass(ds("2"), [...gone, dsPod("e", "h2")], first.expectations, t0 + 2000);
    expect(next.deletes).toHaveLength(1);
    const late = pass(ds("2"), old4, first.expectations, t0 + expectationTimeoutMs);
    expect(late.deletes).toHaveLength(1);
  });

  it("only counts pods the DaemonSet owns", () => {
    const stranger = { ...dsPod("x", "h1"), metadata: { ...dsPod("x", "h1").metadata, ownerReferences: [] } };
    const plan = pass(ds("0", 10), [dsPod("a", "h1"), stranger], new Map(), t0);
    expect(names(plan.deletes)).toEqual(["a"]);
  });

  it("deletes nothing while the batch revision is not the one new pods get (no churn)", () => {
    const stale = planDaemonSetDeletes(ds("0"), old4, new Map(), t0, "h3");
    expect(stale.deletes).toEqual([]);
    expect(stale.message).toContain("not the DaemonSet's current revision h3");
  });

  it("reports a malformed partition instead of acting", () => {
    const plan = pass(ds("lots"), old4, new Map(), t0);
    expect(plan.deletes).toEqual([]);
    expect(plan.error).toContain("invalid partition");
  });
});

describe("deletion order (upstream SortPodsForDeletion)", () => {
  it("takes Pending first, then not Ready, then the cheapest, then the newest", () => {
    const pods = [
      dsPod("old-cheap", "h1", { cost: "-5", created: "2026-01-01T00:00:00Z" }),
      dsPod("ready-new", "h1", { created: "2026-01-02T00:00:00Z" }),
      dsPod("ready-old", "h1", { created: "2026-01-01T00:00:00Z" }),
      dsPod("unready", "h1", { ready: false }),
      dsPod("pending", "h1", { phase: "Pending", ready: false }),
      dsPod("costly", "h1", { cost: "100", created: "2026-01-03T00:00:00Z" }),
    ];
    expect(names(deletionOrder(pods))).toEqual([
      "pending",
      "unready",
      "old-cheap",
      "ready-new",
      "ready-old",
      "costly",
    ]);
  });
});

describe("maxUnavailable (upstream GetMaxUnavailable)", () => {
  it("scales percentages down against the desired pods, and never goes below 1", () => {
    expect(maxUnavailableOf(daemonSet({ maxUnavailable: "50%" }))).toBe(2);
    expect(maxUnavailableOf(daemonSet({ maxUnavailable: "10%" }))).toBe(1);
    expect(maxUnavailableOf(daemonSet({ maxUnavailable: 3 }))).toBe(3);
    expect(maxUnavailableOf(daemonSet({ maxUnavailable: 0 }))).toBe(1);
  });
});
