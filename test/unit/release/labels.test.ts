import { describe, expect, it } from "vitest";
import { batchLabelPatches, plannedBatchIncrements } from "../../../src/release/labels.js";
import type { Pod } from "../../../src/release/model.js";
import { pod } from "./fixtures.js";

const plan = { batches: [{ canaryReplicas: 1 }, { canaryReplicas: "50%" }, { canaryReplicas: "100%" }] };
const v2 = (name: string, labels: Record<string, string> = {}) =>
  pod(name, { "controller-revision-hash": "v2", ...labels }, "sts-uid");
const v1 = (name: string, labels: Record<string, string> = {}) =>
  pod(name, { "controller-revision-hash": "v1", ...labels }, "sts-uid");
const labelled = (id: string, batch: number) => ({
  "rollouts.kruise.io/rollout-id": id,
  "rollouts.kruise.io/rollout-batch-id": String(batch),
});

/** pod name → labels written, for compact assertions. */
function written(pods: Pod[], opts: Partial<Parameters<typeof batchLabelPatches>[0]> = {}) {
  const patches = batchLabelPatches({
    plan,
    replicas: 4,
    currentBatch: 1,
    rolloutID: "r1",
    updateRevision: "demo-v2",
    pods,
    ...opts,
  });
  return Object.fromEntries(
    patches.map((p) => [
      p.target.name,
      (p.patch as { metadata: { labels: Record<string, string> } }).metadata.labels,
    ]),
  );
}

describe("batch label patcher (spec §2.8)", () => {
  it("plans per-batch increments up to the current batch", () => {
    expect(plannedBatchIncrements(plan, 4, 1)).toEqual([1, 1, 0]);
    expect(plannedBatchIncrements(plan, 4, 2)).toEqual([1, 1, 2]);
  });

  it("labels new pods highest batch first, from the end of the list, with both key pairs", () => {
    const pods = [v2("a", labelled("r1", 1)), v2("b"), v2("c"), v1("d")];
    expect(written(pods)).toEqual({
      a: { "apps.kruise.io/rollout-id": "r1", "apps.kruise.io/rollout-batch-id": "1" },
      c: {
        ...labelled("r1", 2),
        "apps.kruise.io/rollout-id": "r1",
        "apps.kruise.io/rollout-batch-id": "2",
      },
    });
  });

  it("writes only the current pair when legacy keys are off", () => {
    expect(written([v2("a", labelled("r1", 1)), v2("b")], { legacyLabels: false })).toEqual({
      b: labelled("r1", 2),
    });
  });

  it("is idempotent once every pod carries its labels", () => {
    const both = (b: number) => ({
      ...labelled("r1", b),
      "apps.kruise.io/rollout-id": "r1",
      "apps.kruise.io/rollout-batch-id": String(b),
    });
    expect(written([v2("a", both(1)), v2("b", both(2))])).toEqual({});
  });

  it("relabels pods replaced while scaling (pod gone, new pod unlabelled)", () => {
    // Batch 0 pod was deleted; its replacement must take batch 1 again.
    expect(written([v2("x", labelled("r1", 2)), v2("new")], { legacyLabels: false })).toEqual({
      new: labelled("r1", 1),
    });
  });

  it("relabels pods of a previous release when a new rollout-id starts", () => {
    const pods = [v2("a", labelled("r0", 1)), v2("b", labelled("r0", 2)), v1("c", labelled("r0", 3))];
    expect(written(pods, { rolloutID: "r1", legacyLabels: false })).toEqual({
      b: labelled("r1", 2),
      a: labelled("r1", 1),
    });
  });

  it("on rollback (update revision is the old one) labels old-template pods and leaves others", () => {
    const pods = [v1("a"), v2("b", labelled("r1", 1))];
    expect(
      written(pods, {
        updateRevision: "demo-v1",
        rolloutID: "rollback-r1",
        currentBatch: 0,
        legacyLabels: false,
      }),
    ).toEqual({
      a: labelled("rollback-r1", 1),
    });
  });

  it("overwrites an unparsable or out-of-range batch id", () => {
    expect(
      written(
        [
          v2("a", labelled("r1", 9)),
          v2("b", { ...labelled("r1", 0), "rollouts.kruise.io/rollout-batch-id": "x" }),
        ],
        { legacyLabels: false },
      ),
    ).toEqual({
      b: labelled("r1", 2),
      a: labelled("r1", 1),
    });
  });

  it("skips terminating pods and does nothing without a rollout-id", () => {
    const dying = v2("a");
    dying.metadata.deletionTimestamp = "t";
    expect(written([dying])).toEqual({});
    expect(written([v2("b")], { rolloutID: "" })).toEqual({});
  });

  it("adds controller-revision-hash to ReplicaSet pods and matches them by it", () => {
    const rsPod = pod(
      "p",
      { "pod-template-hash": "k8shash" },
      "rs-uid",
      true,
      "ReplicaSet",
      "demo-canary-k8shash",
    );
    const stale = pod("q", { "pod-template-hash": "old" }, "rs0-uid", true, "ReplicaSet", "demo-old");
    expect(
      written([rsPod, stale], {
        updateRevision: "ourhash",
        currentBatch: 0,
        legacyLabels: false,
        replicaSetRevisions: { "demo-canary-k8shash": "ourhash", "demo-old": "oldhash" },
      }),
    ).toEqual({
      p: { ...labelled("r1", 1), "controller-revision-hash": "ourhash" },
      q: { "controller-revision-hash": "oldhash" },
    });
  });
});
