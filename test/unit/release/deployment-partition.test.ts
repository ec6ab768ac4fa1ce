import { describe, expect, it } from "vitest";
import { controlInfo } from "../../../src/release/control/control-info.js";
import type { BatchRelease } from "../../../src/release/model.js";
import { planBatchRelease } from "../../../src/release/plan.js";
import { releasePlanHash } from "../../../src/release/plan-hash.js";
import { templateHash } from "../../../src/release/template-hash.js";
import {
  deployment,
  now,
  patchBody,
  podsOf,
  progressing,
  release,
  replicaSet,
  template,
} from "./fixtures.js";

const br = release(
  {
    rollingStyle: "Partition",
    batches: [{ canaryReplicas: 1 }, { canaryReplicas: "50%" }, { canaryReplicas: "100%" }],
  },
  "Deployment",
);
const target = { apiVersion: "apps/v1", kind: "Deployment", namespace: "ns", name: "demo" };
const hash = templateHash(template("v2"));
const strategy = (partition: number | string, extra = {}) =>
  JSON.stringify({
    rollingStyle: "Partition",
    rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
    partition,
    ...extra,
  });

const held = (partition: number | string = 0, extra: Parameters<typeof deployment>[0] = {}) =>
  deployment({
    paused: true,
    strategy: { type: "Recreate" },
    labels: { "rollouts.kruise.io/stable-revision": "v1" },
    annotations: {
      "rollouts.kruise.io/in-progressing": "{}",
      "batchrelease.rollouts.kruise.io/control-info": controlInfo(br),
      "rollouts.kruise.io/deployment-strategy": strategy(partition),
    },
    ...extra,
  });

function preparing(r: BatchRelease = br): BatchRelease {
  return {
    ...r,
    status: {
      phase: "Preparing",
      observedReleasePlanHash: releasePlanHash(r.spec.releasePlan),
      observedRolloutID: "r1",
      observedWorkloadReplicas: -1,
      canaryStatus: { currentBatch: 0, updatedReplicas: 0, updatedReadyReplicas: 0 },
    },
  };
}

describe("Deployment partition control (spec §4.6)", () => {
  it("Initialize takes the Deployment over: label, strategy annotation, control-info, paused, Recreate", () => {
    const d = deployment({
      paused: true,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      labels: { "rollouts.kruise.io/stable-revision": "v1" },
    });
    const r = planBatchRelease({ release: preparing(), workload: d }, now);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "strategic",
        patch: {
          metadata: {
            labels: { "rollouts.kruise.io/controlled-by-advanced-deployment-controller": "true" },
            annotations: {
              "rollouts.kruise.io/deployment-strategy":
                '{"rollingStyle":"Partition","rollingUpdate":{"maxUnavailable":0,"maxSurge":1},"partition":0}',
              "batchrelease.rollouts.kruise.io/control-info": controlInfo(br),
            },
          },
          spec: { paused: true, strategy: { type: "Recreate", rollingUpdate: null } },
        },
      },
    ]);
    expect(r.status).toMatchObject({
      phase: "Progressing",
      stableRevision: "v1",
      updateRevision: hash,
      observedWorkloadReplicas: 4,
    });
  });

  it("Initialize defaults missing rolling-update values to 25%", () => {
    const r = planBatchRelease({ release: preparing(), workload: deployment({ paused: true }) }, now);
    const { annotations } = patchBody<{ metadata: { annotations: Record<string, string> } }>(
      r.actions[0],
    ).metadata;
    expect(JSON.parse(annotations["rollouts.kruise.io/deployment-strategy"] ?? "")).toEqual({
      rollingStyle: "Partition",
      rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
      partition: 0,
    });
  });

  it("UpgradeBatch raises the partition in the strategy annotation only", () => {
    const p = progressing(br, 1, "Upgrading", { updateRevision: hash, stableRevision: "v1" });
    const old = replicaSet("demo-v1", "v1", 3, 3, { revision: 1 });
    const next = replicaSet(`demo-${hash}`, "v2", 1, 1, { revision: 2, hash });
    const r = planBatchRelease(
      {
        release: p,
        workload: held(1),
        replicaSets: [old, next],
        pods: [...podsOf(old, 3), ...podsOf(next, 1)],
      },
      now,
    );
    expect(r.actions[0]).toEqual({
      kind: "patch",
      target,
      patchType: "strategic",
      patch: { metadata: { annotations: { "rollouts.kruise.io/deployment-strategy": strategy("50%") } } },
    });
    expect(
      planBatchRelease(
        { release: p, workload: held("50%"), replicaSets: [old, next], pods: [] },
        now,
      ).actions.filter(
        (a) =>
          a.kind === "patch" &&
          a.target.kind === "Deployment" &&
          JSON.stringify(a.patch).includes("deployment-strategy"),
      ),
    ).toEqual([]);
  });

  it("labels pods of a new ReplicaSet made by Kubernetes (foreign pod-template-hash) via controller-revision-hash", () => {
    const counts = {
      currentBatch: 0,
      batchState: "Upgrading" as const,
      updatedReplicas: 0,
      updatedReadyReplicas: 0,
    };
    const p = progressing(br, 0, "Upgrading", { updateRevision: hash, canaryStatus: counts });
    const old = replicaSet("demo-v1", "v1", 3, 3, { revision: 1 });
    const k8sNew = replicaSet("demo-k8shash", "v2", 1, 1, { revision: 2 });
    const r = planBatchRelease(
      {
        release: p,
        workload: held(1),
        replicaSets: [old, k8sNew],
        pods: [...podsOf(old, 3), ...podsOf(k8sNew, 1)],
        legacyBatchLabels: false,
      },
      now,
    );
    const podPatches = r.actions.filter((a) => a.kind === "patch" && a.target.kind === "Pod");
    expect(podPatches).toContainEqual(
      expect.objectContaining({
        target: expect.objectContaining({ name: "demo-k8shash-0" }),
        patch: {
          metadata: {
            labels: {
              "rollouts.kruise.io/rollout-id": "r1",
              "rollouts.kruise.io/rollout-batch-id": "1",
              "controller-revision-hash": hash,
            },
          },
        },
      }),
    );
    // Old pods only get their controller-revision-hash, never batch labels.
    expect(podPatches.filter((a) => JSON.stringify(a).includes("rollout-id"))).toHaveLength(1);
  });

  it("drives the ReplicaSets towards the partition on every pass (here: create the new ReplicaSet)", () => {
    const p = progressing(br, 0, "Ready", { updateRevision: hash, stableRevision: "v1" });
    const old = replicaSet("demo-v1", "v1", 4, 4, { revision: 1 });
    const r = planBatchRelease(
      { release: p, workload: held(1), replicaSets: [old], pods: podsOf(old, 4) },
      now,
    );
    const create = r.actions.find((a) => a.kind === "create");
    expect(create).toMatchObject({
      object: {
        metadata: {
          name: `demo-${hash}`,
          labels: { app: "demo", "pod-template-hash": hash },
          annotations: {
            "deployment.kubernetes.io/revision": "2",
            "deployment.kubernetes.io/desired-replicas": "4",
            "deployment.kubernetes.io/max-replicas": "5",
          },
          ownerReferences: [{ kind: "Deployment", name: "demo", uid: "dep-uid", controller: true }],
        },
        spec: { replicas: 1, selector: { matchLabels: { app: "demo", "pod-template-hash": hash } } },
      },
    });
  });

  it("Finalize restores the rolling update and removes every trace", () => {
    const fin = release({ ...br.spec.releasePlan, batchPartition: null }, "Deployment");
    const p = {
      ...fin,
      status: {
        phase: "Finalizing" as const,
        observedRolloutID: "r1",
        observedReleasePlanHash: "x",
        canaryStatus: { currentBatch: 2, updatedReplicas: 0, updatedReadyReplicas: 0 },
      },
    };
    const r = planBatchRelease({ release: p, workload: held("100%") }, now);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "strategic",
        patch: {
          metadata: {
            labels: {
              "rollouts.kruise.io/stable-revision": null,
              "rollouts.kruise.io/controlled-by-advanced-deployment-controller": null,
            },
            annotations: {
              "batchrelease.rollouts.kruise.io/control-info": null,
              "rollouts.kruise.io/deployment-strategy": null,
              "rollouts.kruise.io/deployment-extra-status": null,
            },
          },
          spec: {
            paused: false,
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
          },
        },
      },
    ]);
    expect(r.status.phase).toBe("Completed");
  });

  it("Finalize mid-release (batchPartition set) only drops control-info", () => {
    const p = {
      ...br,
      metadata: { ...br.metadata, deletionTimestamp: "t" },
      status: {
        phase: "Finalizing" as const,
        observedRolloutID: "r1",
        observedReleasePlanHash: "x",
        canaryStatus: { currentBatch: 0, updatedReplicas: 0, updatedReadyReplicas: 0 },
      },
    };
    const r = planBatchRelease({ release: p, workload: held(1) }, now);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "strategic",
        patch: { metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": null } } },
      },
    ]);
  });

  it("readiness uses the extra-status annotation and the partition limit", () => {
    const counts = {
      currentBatch: 1,
      batchState: "Verifying" as const,
      updatedReplicas: 2,
      updatedReadyReplicas: 1,
    };
    const p = progressing(br, 1, "Verifying", { updateRevision: hash, canaryStatus: counts });
    const d = held("50%", {
      status: { observedGeneration: 3, replicas: 4, updatedReplicas: 2, availableReplicas: 4 },
    });
    d.metadata.annotations = {
      ...d.metadata.annotations,
      "rollouts.kruise.io/deployment-extra-status": '{"updatedReadyReplicas":1,"expectedUpdatedReplicas":2}',
    };
    const r = planBatchRelease({ release: p, workload: d }, now);
    expect(r.retry).toMatch(/updated ready replicas not satisfied/);
  });
});
