import { describe, expect, it } from "vitest";
import {
  batchNotReadyReason,
  batchReplicas,
  newReplicaSetLimit,
  partitionAtLeast,
  statefulSetPartition,
} from "../../../src/release/batches.js";
import { scaledValue } from "../../../src/release/int-or-string.js";
import { pod } from "./fixtures.js";

describe("batch arithmetic", () => {
  it.each([
    [1, 5, 1],
    ["20%", 5, 1],
    ["50%", 5, 3],
    ["100%", 5, 5],
    [9, 5, 5],
    [-1, 5, 0],
    ["bogus", 5, 0],
    ["50%", 0, 0],
  ])("replicas %s of %i resolves to %i (round up, clamped)", (value, total, expected) => {
    expect(batchReplicas({ batches: [{ canaryReplicas: value }] }, total, 0)).toBe(expected);
  });

  it("rounds down when asked", () => {
    expect(scaledValue("25%", 3, false)).toBe(0);
    expect(scaledValue("25%", 3, true)).toBe(1);
  });

  it("statefulset partition keeps R - planned pods stable", () => {
    expect(statefulSetPartition({ batches: [{ canaryReplicas: "50%" }] }, 5, 0)).toBe(2);
  });

  it.each([
    [1, 3, 1],
    ["90%", 3, 2],
    ["100%", 3, 3],
    ["100%", 1, 1],
    ["50%", 1, 1],
    [5, 3, 3],
  ])("deployment partition %s of %i allows %i new pods", (partition, replicas, limit) => {
    expect(newReplicaSetLimit(partition, replicas)).toBe(limit);
  });

  it("compares partitions as resolved numbers", () => {
    expect(partitionAtLeast("50%", "40%")).toBe(true);
    expect(partitionAtLeast(1, "1%")).toBe(false);
    expect(partitionAtLeast(undefined, 1)).toBe(false);
  });
});

describe("failureThreshold readiness (spec §2.6)", () => {
  const base = {
    updatedReplicas: 4,
    updatedReadyReplicas: 4,
    desiredUpdatedReplicas: 4,
    plannedUpdatedReplicas: 0,
    pods: [],
  };
  it("is ready when all four conditions hold", () => expect(batchNotReadyReason(base)).toBeUndefined());
  it("1: needs enough updated pods", () =>
    expect(batchNotReadyReason({ ...base, updatedReplicas: 3 })).toMatch(/updated replicas not satisfied/));
  it("2: nil threshold tolerates nothing", () =>
    expect(batchNotReadyReason({ ...base, updatedReadyReplicas: 3 })).toMatch(/updated ready replicas/));
  it("2: a threshold tolerates round-up of updatedReplicas", () => {
    expect(
      batchNotReadyReason({ ...base, updatedReadyReplicas: 3, failureThreshold: "20%" }),
    ).toBeUndefined();
    expect(batchNotReadyReason({ ...base, updatedReadyReplicas: 2, failureThreshold: "20%" })).toMatch(
      /ready replicas/,
    );
  });
  it("3: at least one ready pod when any is desired", () =>
    expect(
      batchNotReadyReason({
        ...base,
        updatedReplicas: 1,
        updatedReadyReplicas: 0,
        desiredUpdatedReplicas: 1,
        failureThreshold: "100%",
      }),
    ).toMatch(/no updated ready replicas/));
  it("4: counts live pods labelled with the rollout-id", () => {
    const labelled = pod("a", { "rollouts.kruise.io/rollout-id": "r1" }, "x");
    const terminating = { ...pod("b", { "rollouts.kruise.io/rollout-id": "r1" }, "x") };
    terminating.metadata = { ...terminating.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" };
    const p = { ...base, rolloutID: "r1", plannedUpdatedReplicas: 2 };
    expect(batchNotReadyReason({ ...p, pods: [labelled, terminating] })).toMatch(/batch label/);
    expect(
      batchNotReadyReason({
        ...p,
        pods: [labelled, pod("c", { "rollouts.kruise.io/rollout-id": "r1" }, "x")],
      }),
    ).toBeUndefined();
    // No pods listed means the label rule is skipped, as upstream.
    expect(batchNotReadyReason({ ...p, pods: [] })).toBeUndefined();
  });
});
