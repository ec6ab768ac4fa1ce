import { describe, expect, it } from "vitest";
import {
  blueGreenDeploymentControl,
  initOriginalStrategy,
  originalStrategyJson,
  waitAllUpdatedAndReady,
} from "../../../src/release/control/bluegreen-deployment.js";
import type { HorizontalPodAutoscaler } from "../../../src/release/control/bluegreen-hpa.js";
import { controlInfo } from "../../../src/release/control/control-info.js";
import { releaseStyle } from "../../../src/release/control/select.js";
import type { BatchRelease, BatchReleaseStatus, Deployment } from "../../../src/release/model.js";
import { planBatchRelease } from "../../../src/release/plan.js";
import { releasePlanHash } from "../../../src/release/plan-hash.js";
import { templateHash } from "../../../src/release/template-hash.js";
import { deployment, now, podsOf, progressing, release, replicaSet, template } from "./fixtures.js";

const br = release(
  { rollingStyle: "BlueGreen", batches: [{ canaryReplicas: "50%" }, { canaryReplicas: "100%" }] },
  "Deployment",
);
const target = { apiVersion: "apps/v1", kind: "Deployment", namespace: "ns", name: "demo" };
const ci = "batchrelease.rollouts.kruise.io/control-info";
const orig = "rollouts.kruise.io/original-deployment-strategy";

const stableRs = replicaSet("demo-v1", "v1", 4, 4, { revision: 1 });
const newRs = (ready: number) => ({
  ...replicaSet("demo-v2", "v2", 2, 0, { revision: 2, created: "2025-02-01T00:00:00Z" }),
  status: { replicas: 2, readyReplicas: ready, availableReplicas: 0 },
});

/** A Deployment under blue-green control (what Initialize leaves behind). */
function controlled(extra: Partial<Deployment["spec"]> = {}, status?: Deployment["status"]): Deployment {
  return deployment({
    annotations: {
      [ci]: controlInfo(br),
      [orig]: '{"maxUnavailable":"25%","maxSurge":"25%","progressDeadlineSeconds":600}',
    },
    labels: { "rollouts.kruise.io/stable-revision": "v1" },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    minReadySeconds: 2147483646,
    progressDeadlineSeconds: 2147483647,
    ...extra,
    ...(status ? { status } : {}),
  });
}

const statusAt = (batch: number): BatchReleaseStatus =>
  progressing(br, batch, "Upgrading").status as BatchReleaseStatus;

const hpa = (name: string, apiVersion = "autoscaling/v2"): HorizontalPodAutoscaler => ({
  apiVersion,
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "demo-hpa", namespace: "ns" },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name } },
});

describe("blue-green Deployment control (spec §4.7)", () => {
  it("is chosen for rollingStyle BlueGreen on a Deployment", () => {
    expect(releaseStyle(br.spec.workloadRef, br.spec.releasePlan)).toBe("deployment-bluegreen");
    expect(
      releaseStyle({ apiVersion: "apps/v1", kind: "StatefulSet", name: "d" }, br.spec.releasePlan),
    ).toBeUndefined();
  });

  it("Initialize detaches the HPA, slows the stable ReplicaSet and rewrites the strategy", () => {
    const d = deployment({
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } },
      minReadySeconds: 5,
    });
    const c = blueGreenDeploymentControl({
      release: br,
      workload: d,
      replicaSets: [stableRs],
      horizontalPodAutoscalers: [hpa("demo")],
    });
    const r = c.initialize(statusAt(0));
    expect(r.done).toBe(true);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target: {
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          namespace: "ns",
          name: "demo-hpa",
        },
        patchType: "merge",
        patch: { spec: { scaleTargetRef: { name: "demo-DisableByRollout" } } },
      },
      {
        kind: "patch",
        target: { apiVersion: "apps/v1", kind: "ReplicaSet", namespace: "ns", name: "demo-v1" },
        patchType: "merge",
        patch: { spec: { minReadySeconds: 2147483646 } },
      },
      {
        kind: "patch",
        target,
        patchType: "strategic",
        patch: {
          metadata: {
            annotations: {
              [orig]: '{"maxUnavailable":1,"maxSurge":2,"minReadySeconds":5,"progressDeadlineSeconds":600}',
              [ci]: controlInfo(br),
            },
          },
          spec: {
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
            minReadySeconds: 2147483646,
            progressDeadlineSeconds: 2147483647,
          },
        },
      },
    ]);
  });

  it("Initialize does nothing when already controlled", () => {
    const c = blueGreenDeploymentControl({ release: br, workload: controlled(), replicaSets: [stableRs] });
    expect(c.initialize(statusAt(0)).actions).toEqual([]);
  });

  it("the original strategy keeps recorded values and defaults the rest", () => {
    const d = deployment({ annotations: { [orig]: '{"maxSurge":"10%"}' } });
    expect(originalStrategyJson(initOriginalStrategy(d))).toBe(
      '{"maxUnavailable":"25%","maxSurge":"10%","progressDeadlineSeconds":600}',
    );
  });

  const upgrades = [
    { name: "first batch from the initial surge 1", surge: 1, batch: 0, want: "50%" },
    { name: "second batch", surge: "50%", batch: 1, want: "100%" },
    { name: "already surged", surge: "100%", batch: 1, want: null },
  ] as const;
  for (const u of upgrades) {
    it(`UpgradeBatch: ${u.name}`, () => {
      const d = controlled({
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: u.surge, maxUnavailable: 0 } },
      });
      const r = blueGreenDeploymentControl({
        release: br,
        workload: d,
        replicaSets: [stableRs],
      }).upgradeBatch(statusAt(u.batch));
      expect(r.done).toBe(true);
      expect(r.actions).toEqual(
        u.want === null
          ? []
          : [
              {
                kind: "patch",
                target,
                patchType: "strategic",
                patch: {
                  spec: {
                    paused: false,
                    strategy: {
                      type: "RollingUpdate",
                      rollingUpdate: { maxSurge: u.want, maxUnavailable: 0 },
                    },
                  },
                },
              },
            ],
      );
    });
  }

  const invalid = [
    {
      name: "no control-info",
      d: () => deployment({ minReadySeconds: 2147483646 }),
      why: "missing control info",
    },
    {
      name: "Recreate",
      d: () => controlled({ strategy: { type: "Recreate" } }),
      why: "strategy type is not RollingUpdate",
    },
    { name: "minReadySeconds restored", d: () => controlled({ minReadySeconds: 0 }), why: "minReadySeconds" },
    {
      name: "progressDeadlineSeconds changed",
      d: () => controlled({ progressDeadlineSeconds: 600 }),
      why: "progressDeadlineSeconds",
    },
  ];
  for (const c of invalid) {
    it(`UpgradeBatch is a BadRequest when ${c.name}`, () => {
      const r = blueGreenDeploymentControl({ release: br, workload: c.d(), replicaSets: [] }).upgradeBatch(
        statusAt(0),
      );
      expect(r).toMatchObject({ done: false, badRequest: true, actions: [] });
      expect(r.reason).toContain(c.why);
    });
  }

  it("readiness reads the new ReplicaSet's ready pods against the surge", () => {
    const status = {
      observedGeneration: 3,
      replicas: 6,
      updatedReplicas: 2,
      readyReplicas: 6,
      availableReplicas: 4,
    };
    const d = controlled(
      { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "50%", maxUnavailable: 0 } } },
      status,
    );
    const ready = blueGreenDeploymentControl({ release: br, workload: d, replicaSets: [stableRs, newRs(2)] });
    expect(ready.ensureBatchReady(statusAt(0)).done).toBe(true);
    const notReady = blueGreenDeploymentControl({
      release: br,
      workload: d,
      replicaSets: [stableRs, newRs(1)],
    });
    expect(notReady.ensureBatchReady(statusAt(0))).toMatchObject({ done: false });
  });

  it("readiness labels the new ReplicaSet's pods with the batch, and waits for the labels", () => {
    const status = {
      observedGeneration: 3,
      replicas: 6,
      updatedReplicas: 2,
      readyReplicas: 6,
      availableReplicas: 4,
    };
    const d = controlled(
      { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "50%", maxUnavailable: 0 } } },
      status,
    );
    const at = { ...statusAt(0), updateRevision: templateHash(d.spec.template) };
    const fresh = podsOf(newRs(2), 2);
    const old = podsOf(stableRs, 4);
    const first = blueGreenDeploymentControl({
      release: br,
      workload: d,
      replicaSets: [stableRs, newRs(2)],
      pods: [...old, ...fresh],
      legacyBatchLabels: false,
    }).ensureBatchReady(at);
    expect(first.done).toBe(false);
    expect(first.reason).toContain("pods with batch label not satisfied");
    expect(first.actions.map((a) => (a.kind === "patch" ? [a.target.name, a.patch] : a.kind))).toEqual(
      fresh.map((pod) => [
        pod.metadata.name,
        {
          metadata: {
            labels: { "rollouts.kruise.io/rollout-id": "r1", "rollouts.kruise.io/rollout-batch-id": "1" },
          },
        },
      ]),
    );
    const labelled = fresh.map((pod) => ({
      ...pod,
      metadata: {
        ...pod.metadata,
        labels: {
          ...pod.metadata.labels,
          "rollouts.kruise.io/rollout-id": "r1",
          "rollouts.kruise.io/rollout-batch-id": "1",
        },
      },
    }));
    const second = blueGreenDeploymentControl({
      release: br,
      workload: d,
      replicaSets: [stableRs, newRs(2)],
      pods: [...old, ...labelled],
      legacyBatchLabels: false,
    }).ensureBatchReady(at);
    expect(second).toEqual({ done: true, actions: [] });
  });

  it("Finalize restores the original strategy and drops the annotations, then waits", () => {
    const promote: BatchRelease = release({ ...br.spec.releasePlan, batchPartition: null }, "Deployment");
    const d = controlled({ paused: true });
    const r = blueGreenDeploymentControl({ release: promote, workload: d, replicaSets: [] }).finalize(
      statusAt(1),
    );
    expect(r.done).toBe(false);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "strategic",
        patch: {
          metadata: {
            annotations: { [orig]: null, [ci]: null },
            labels: { "rollouts.kruise.io/stable-revision": null },
          },
          spec: {
            paused: false,
            minReadySeconds: 0,
            progressDeadlineSeconds: 600,
            strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
          },
        },
      },
    ]);
  });

  it("Finalize waits for every pod to be updated, then re-attaches the HPA", () => {
    const promote: BatchRelease = release({ ...br.spec.releasePlan, batchPartition: null }, "Deployment");
    const restored = (status: Deployment["status"]) =>
      deployment({
        template: template("v2"),
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
        status,
      });
    const mid = restored({
      observedGeneration: 3,
      replicas: 6,
      updatedReplicas: 3,
      readyReplicas: 6,
      availableReplicas: 6,
    });
    const hpas = [hpa("demo-DisableByRollout")];
    expect(
      blueGreenDeploymentControl({
        release: promote,
        workload: mid,
        horizontalPodAutoscalers: hpas,
      }).finalize(statusAt(1)),
    ).toMatchObject({ done: false, actions: [] });
    const end = restored({
      observedGeneration: 3,
      replicas: 4,
      updatedReplicas: 4,
      readyReplicas: 4,
      availableReplicas: 4,
    });
    const r = blueGreenDeploymentControl({
      release: promote,
      workload: end,
      horizontalPodAutoscalers: hpas,
    }).finalize(statusAt(1));
    expect(r).toMatchObject({ done: true });
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target: {
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          namespace: "ns",
          name: "demo-hpa",
        },
        patchType: "merge",
        patch: { spec: { scaleTargetRef: { name: "demo" } } },
      },
    ]);
  });

  it("Finalize with a batchPartition leaves the workload (no continuous release)", () => {
    const r = blueGreenDeploymentControl({ release: br, workload: controlled(), replicaSets: [] }).finalize(
      statusAt(0),
    );
    expect(r).toEqual({ actions: [], done: true });
  });

  it("waitAllUpdatedAndReady follows upstream's checks", () => {
    expect(waitAllUpdatedAndReady(deployment({ paused: true }))).toBe("deployment should not be paused");
    expect(
      waitAllUpdatedAndReady(
        deployment({ status: { replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 2 } }),
      ),
    ).toBe("ready replicas should satisfy maxUnavailable");
  });
});

describe("blue-green Deployment through planBatchRelease", () => {
  it("Preparing: Initialize's patches, then Progressing with the revisions recorded", () => {
    const preparing: BatchRelease = {
      ...br,
      status: {
        phase: "Preparing",
        observedReleasePlanHash: releasePlanHash(br.spec.releasePlan),
        observedRolloutID: "r1",
        observedWorkloadReplicas: -1,
        canaryStatus: { currentBatch: 0, updatedReplicas: 0, updatedReadyReplicas: 0 },
      },
    };
    const d = deployment({
      labels: { "rollouts.kruise.io/stable-revision": "v1" },
      annotations: { "rollouts.kruise.io/in-progressing": '{"rolloutName":"demo"}' },
      paused: true,
    });
    const r = planBatchRelease({ release: preparing, workload: d, replicaSets: [stableRs] }, now);
    expect(r.actions.map((a) => (a.kind === "patch" ? `${a.target.kind}/${a.target.name}` : a.kind))).toEqual(
      ["ReplicaSet/demo-v1", "Deployment/demo"],
    );
    expect(r.status).toMatchObject({
      phase: "Progressing",
      stableRevision: "v1",
      observedWorkloadReplicas: 4,
    });
  });
});
