import { describe, expect, it } from "vitest";
import {
  podsForOrderedUpdate,
  podsForUnorderedUpdate,
} from "../../../src/release/control/rollback-pod-filter.js";
import { pod } from "./fixtures.js";

const noNeed = { "controller-revision-hash": "v1", "rollouts.kruise.io/no-need-update": "r1" };
const batch = {
  rolloutID: "r1",
  updateRevision: "demo-v1",
  replicas: 4,
  plannedUpdatedReplicas: 1,
  desiredUpdatedReplicas: 3,
  desiredPartition: 3,
};
const names = (pods: { metadata: { name?: string } }[]) => pods.map((p) => p.metadata.name);

describe("rollback-in-batch pod filters", () => {
  const pods = [
    pod("demo-0", noNeed, "u"),
    pod("demo-1", noNeed, "u"),
    pod("demo-2", { "controller-revision-hash": "v2" }, "u"),
    pod("demo-3", { "controller-revision-hash": "v1" }, "u"),
  ];

  it("ordered: only pods at or above the partition unless the plan needs more", () => {
    expect(names(podsForOrderedUpdate(pods, batch))).toEqual(["demo-3"]);
    expect(names(podsForOrderedUpdate(pods, { ...batch, plannedUpdatedReplicas: 2 }))).toEqual([
      "demo-3",
      "demo-1",
    ]);
  });

  it("unordered: no-need-update pods only fill what the plan still needs", () => {
    expect(names(podsForUnorderedUpdate(pods, batch))).toEqual(["demo-3"]);
    expect(names(podsForUnorderedUpdate(pods, { ...batch, plannedUpdatedReplicas: 2 }))).toEqual([
      "demo-3",
      "demo-0",
    ]);
  });
});
