import { describe, expect, it } from "vitest";
import type { Action } from "../../../src/release/actions.js";
import { planPartitionDeployment } from "../../../src/release/control/partition-replica-sets.js";
import type { ReplicaSet } from "../../../src/release/model.js";
import { templateHash } from "../../../src/release/template-hash.js";
import { deployment, patchBody, podsOf, replicaSet, template } from "./fixtures.js";

const hash = templateHash(template("v2"));
const held = (maxSurge: number | string, maxUnavailable: number | string, replicas = 4, extra = {}) =>
  deployment({
    replicas,
    paused: true,
    strategy: { type: "Recreate" },
    annotations: {
      "rollouts.kruise.io/deployment-strategy": JSON.stringify({
        rollingStyle: "Partition",
        rollingUpdate: { maxSurge, maxUnavailable },
        ...extra,
      }),
    },
  });
const oldRs = (
  replicas: number,
  available: number,
  name = "demo-v1",
  revision = 1,
  created = "2025-01-01T00:00:00Z",
) => replicaSet(name, "v1", replicas, available, { revision, created });
const newRs = (replicas: number, available: number) =>
  replicaSet(`demo-${hash}`, "v2", replicas, available, { revision: 2, hash });

/** ReplicaSet name → new replicas, ignoring the extra-status annotation patch. */
function scales(actions: Action[]): Record<string, number> {
  return Object.fromEntries(
    actions
      .filter((a) => a.kind === "patch" && a.target.kind === "ReplicaSet")
      .map((a) => [
        a.kind === "patch" ? a.target.name : "",
        patchBody<{ spec: { replicas: number } }>(a).spec.replicas,
      ]),
  );
}

function plan(
  d: ReturnType<typeof held>,
  rss: ReplicaSet[],
  partition: number | string,
  unready: Record<string, number> = {},
) {
  const pods = rss.flatMap((rs) => {
    const available = rs.status?.availableReplicas ?? 0;
    return podsOf(
      rs,
      available,
      (unready[rs.metadata.name ?? ""] ?? 0) +
        Math.max(0, (rs.spec.replicas ?? 0) - available - (unready[rs.metadata.name ?? ""] ?? 0)),
    );
  });
  return planPartitionDeployment(d, rss, pods, partition);
}

describe("planPartitionDeployment (our Advanced Deployment controller)", () => {
  it("creates the new ReplicaSet sized within maxSurge and the partition", () => {
    const actions = plan(held(1, 0), [oldRs(4, 4)], 2);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ kind: "create", object: { spec: { replicas: 1 } } });
  });

  it("creates an empty new ReplicaSet when there is no surge room", () => {
    expect(plan(held(0, 1), [oldRs(4, 4)], 2)[0]).toMatchObject({
      kind: "create",
      object: { spec: { replicas: 0 } },
    });
  });

  it("scales the new ReplicaSet up within maxSurge, capped by the partition", () => {
    expect(scales(plan(held(2, 0), [oldRs(4, 4), newRs(0, 0)], 1))).toEqual({ [`demo-${hash}`]: 1 });
    expect(scales(plan(held(2, 0), [oldRs(4, 4), newRs(0, 0)], 3))).toEqual({ [`demo-${hash}`]: 2 });
    expect(scales(plan(held(2, 0), [oldRs(4, 4), newRs(2, 0)], 3))).toEqual({});
  });

  it("scales old ReplicaSets down within maxUnavailable and never below R - limit", () => {
    expect(scales(plan(held(1, 0), [oldRs(4, 4), newRs(1, 1)], 1))).toEqual({ "demo-v1": 3 });
    expect(scales(plan(held(0, 2), [oldRs(4, 4), newRs(0, 0)], 3))).toEqual({ "demo-v1": 2 });
    expect(scales(plan(held(0, 4), [oldRs(4, 4), newRs(0, 0)], 1))).toEqual({ "demo-v1": 3 });
  });

  it("does not scale down while new pods are unavailable and no budget is left", () => {
    expect(scales(plan(held(1, 0), [oldRs(4, 4), newRs(1, 0)], 2))).toEqual({});
  });

  it("removes unhealthy old pods first, even without availability budget", () => {
    // maxUnavailable 0 and only 3 of 4 pods available: no healthy pod may go, but the surge
    // pod's worth of room goes to a not-ready old pod.
    expect(scales(plan(held(1, 0), [oldRs(4, 2), newRs(1, 1)], 3))).toEqual({ "demo-v1": 3 });
    // With more room, every not-ready old pod goes before any ready one.
    expect(scales(plan(held(0, 2), [oldRs(4, 2), newRs(0, 0)], 2))).toEqual({ "demo-v1": 2 });
  });

  it("scales the old ReplicaSet back up when the partition is lowered", () => {
    expect(scales(plan(held(1, 1), [oldRs(1, 1), newRs(2, 2)], 1))).toEqual({ "demo-v1": 2 });
  });

  it("prefers the newest old ReplicaSet when scaling healthy pods down", () => {
    const older = oldRs(2, 2, "demo-v0", 1, "2024-01-01T00:00:00Z");
    const newer = oldRs(2, 2, "demo-v1", 2, "2025-01-01T00:00:00Z");
    const fresh = replicaSet(`demo-${hash}`, "v2", 0, 0, { revision: 3, hash });
    expect(scales(plan(held(0, 1), [older, newer, fresh], 2))).toEqual({ "demo-v1": 1 });
  });

  it("does nothing while the strategy annotation holds the release (paused)", () => {
    expect(plan(held(1, 0, 4, { paused: true }), [oldRs(4, 4)], 2)).toEqual([]);
  });

  it("publishes updatedReadyReplicas and the expected count in deployment-extra-status", () => {
    const actions = plan(held(1, 0), [oldRs(3, 3), newRs(1, 1)], 1);
    expect(actions).toContainEqual(
      expect.objectContaining({
        target: expect.objectContaining({ kind: "Deployment" }),
        patch: {
          metadata: {
            annotations: {
              "rollouts.kruise.io/deployment-extra-status":
                '{"updatedReadyReplicas":1,"expectedUpdatedReplicas":1}',
            },
          },
        },
      }),
    );
  });

  it("guards ReplicaSet scales with the observed resourceVersion", () => {
    const [scale] = plan(held(1, 0), [oldRs(4, 4), newRs(1, 1)], 1);
    expect(scale).toMatchObject({ precondition: { resourceVersion: "7" }, patchType: "merge" });
  });
});
