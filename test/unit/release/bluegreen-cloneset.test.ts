import { describe, expect, it } from "vitest";
import {
  blueGreenCloneSetControl,
  initCloneSetOriginalStrategy,
} from "../../../src/release/control/bluegreen-cloneset.js";
import { originalStrategyJson } from "../../../src/release/control/bluegreen-deployment.js";
import type { HorizontalPodAutoscaler } from "../../../src/release/control/bluegreen-hpa.js";
import { controlInfo } from "../../../src/release/control/control-info.js";
import { releaseStyle } from "../../../src/release/control/select.js";
import type { BatchRelease, BatchReleaseStatus, CloneSet } from "../../../src/release/model.js";
import { pod, progressing, release, template } from "./fixtures.js";

// Blue-green for CloneSets (spec §4.7, upstream bluegreenstyle/cloneset/control.go).

const ref = { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", name: "demo" };
const target = { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", namespace: "ns", name: "demo" };
const ci = "batchrelease.rollouts.kruise.io/control-info";
const orig = "rollouts.kruise.io/original-deployment-strategy";

function bgRelease(batchPartition: number | null = 0): BatchRelease {
  const br = release({
    rollingStyle: "BlueGreen",
    batches: [{ canaryReplicas: "50%" }, { canaryReplicas: "100%" }],
    batchPartition,
  });
  return { ...br, spec: { ...br.spec, workloadRef: ref } };
}
const br = bgRelease();

function cloneSet(
  opts: {
    strategy?: NonNullable<CloneSet["spec"]["updateStrategy"]>;
    minReadySeconds?: number;
    annotations?: Record<string, string>;
    status?: Partial<NonNullable<CloneSet["status"]>>;
  } = {},
): CloneSet {
  return {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "CloneSet",
    metadata: {
      name: "demo",
      namespace: "ns",
      uid: "cs-uid",
      generation: 2,
      annotations: { "rollouts.kruise.io/in-progressing": '{"rolloutName":"demo"}', ...opts.annotations },
    },
    spec: {
      replicas: 4,
      template: template("v2"),
      updateStrategy: opts.strategy ?? {
        type: "ReCreate",
        partition: "100%",
        maxSurge: 1,
        maxUnavailable: 0,
      },
      ...(opts.minReadySeconds === undefined ? {} : { minReadySeconds: opts.minReadySeconds }),
    },
    status: {
      observedGeneration: 2,
      replicas: 4,
      readyReplicas: 4,
      updatedReplicas: 0,
      updatedReadyReplicas: 0,
      currentRevision: "demo-v1",
      updateRevision: "demo-v2",
      ...opts.status,
    },
  };
}

/** What Initialize leaves behind. */
const controlled = (strategy: Partial<NonNullable<CloneSet["spec"]["updateStrategy"]>> = {}, status = {}) =>
  cloneSet({
    annotations: { [ci]: controlInfo(br), [orig]: '{"maxUnavailable":0,"maxSurge":1}' },
    minReadySeconds: 2147483646,
    strategy: {
      type: "ReCreate",
      partition: "100%",
      paused: false,
      maxSurge: 1,
      maxUnavailable: 0,
      ...strategy,
    },
    status,
  });

const statusAt = (batch: number): BatchReleaseStatus =>
  progressing(br, batch, "Upgrading").status as BatchReleaseStatus;

const hpa = (name: string): HorizontalPodAutoscaler => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "demo-hpa", namespace: "ns" },
  spec: { scaleTargetRef: { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", name } },
});
const hpaTarget = {
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  namespace: "ns",
  name: "demo-hpa",
};

describe("blue-green CloneSet control (spec §4.7)", () => {
  it("is chosen for rollingStyle BlueGreen on a CloneSet", () => {
    expect(releaseStyle(ref, br.spec.releasePlan)).toBe("cloneset-bluegreen");
    expect(releaseStyle({ ...ref, kind: "StatefulSet" }, br.spec.releasePlan)).toBeUndefined();
  });

  it("Initialize detaches the HPA and records the original strategy, keeping the partition hold", () => {
    const set = cloneSet({
      strategy: { partition: "100%", maxSurge: "10%", maxUnavailable: 2 },
      minReadySeconds: 3,
    });
    const r = blueGreenCloneSetControl({
      release: br,
      workload: set,
      horizontalPodAutoscalers: [hpa("demo")],
    }).initialize(statusAt(0));
    expect(r.done).toBe(true);
    expect(r.actions).toEqual([
      {
        kind: "patch",
        target: hpaTarget,
        patchType: "merge",
        patch: { spec: { scaleTargetRef: { name: "demo-DisableByRollout" } } },
      },
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: {
          metadata: {
            annotations: {
              [orig]: '{"maxUnavailable":2,"maxSurge":"10%","minReadySeconds":3}',
              [ci]: controlInfo(br),
            },
          },
          spec: {
            minReadySeconds: 2147483646,
            updateStrategy: { paused: false, maxSurge: 1, maxUnavailable: 0 },
          },
        },
      },
    ]);
    expect(r.status).toMatchObject({
      stableRevision: "demo-v1",
      updateRevision: "demo-v2",
      observedWorkloadReplicas: 4,
    });
  });

  it("Initialize does nothing once controlled; CloneSet defaults are 0% surge, 20% unavailable", () => {
    expect(
      blueGreenCloneSetControl({ release: br, workload: controlled() }).initialize(statusAt(0)).actions,
    ).toEqual([]);
    expect(originalStrategyJson(initCloneSetOriginalStrategy(cloneSet({ strategy: {} })))).toBe(
      '{"maxUnavailable":"20%","maxSurge":"0%"}',
    );
  });

  const upgrades = [
    { name: "first batch from the initial surge 1", surge: 1, batch: 0, want: "50%" },
    { name: "second batch", surge: "50%", batch: 1, want: "100%" },
    { name: "already surged", surge: "100%", batch: 1, want: null },
  ] as const;
  for (const u of upgrades) {
    it(`UpgradeBatch: ${u.name}`, () => {
      const r = blueGreenCloneSetControl({
        release: br,
        workload: controlled({ maxSurge: u.surge }),
      }).upgradeBatch(statusAt(u.batch));
      expect(r.done).toBe(true);
      expect(r.actions).toEqual(
        u.want === null
          ? []
          : [
              {
                kind: "patch",
                target,
                patchType: "merge",
                patch: { spec: { updateStrategy: { partition: null, maxSurge: u.want } } },
              },
            ],
      );
    });
  }

  const invalid = [
    {
      name: "there is no control info",
      set: () => cloneSet({ minReadySeconds: 2147483646 }),
      why: "control info",
    },
    { name: "the update is in place", set: () => controlled({ type: "InPlaceIfPossible" }), why: "ReCreate" },
    {
      name: "minReadySeconds was changed",
      set: () => ({ ...controlled(), spec: { ...controlled().spec, minReadySeconds: 0 } }),
      why: "minReadySeconds",
    },
  ];
  for (const c of invalid) {
    it(`UpgradeBatch is a BadRequest when ${c.name}`, () => {
      const r = blueGreenCloneSetControl({ release: br, workload: c.set() }).upgradeBatch(statusAt(0));
      expect(r).toMatchObject({ done: false, badRequest: true, actions: [] });
      expect(r.reason).toContain(c.why);
    });
  }

  it("readiness labels the updated pods and counts the CloneSet's updated ready pods against the surge", () => {
    const podOf = (name: string, revision: string, labels: Record<string, string> = {}) =>
      pod(name, { app: "demo", "pod-template-hash": revision, ...labels }, "cs-uid", true, "CloneSet");
    const fresh = [podOf("n1", "v2"), podOf("n2", "v2")];
    const old = ["o1", "o2", "o3", "o4"].map((n) => podOf(n, "v1"));
    const set = controlled(
      { maxSurge: "50%" },
      { replicas: 6, readyReplicas: 6, updatedReplicas: 2, updatedReadyReplicas: 2 },
    );
    const first = blueGreenCloneSetControl({
      release: br,
      workload: set,
      pods: [...old, ...fresh],
      legacyBatchLabels: false,
    }).ensureBatchReady(statusAt(0));
    const batch1 = { "rollouts.kruise.io/rollout-id": "r1", "rollouts.kruise.io/rollout-batch-id": "1" };
    expect(first).toMatchObject({ done: false });
    expect(first.actions.map((a) => (a.kind === "patch" ? [a.target.name, a.patch] : a.kind))).toEqual([
      ["n1", { metadata: { labels: batch1 } }],
      ["n2", { metadata: { labels: batch1 } }],
    ]);
    const labelled = [podOf("n1", "v2", batch1), podOf("n2", "v2", batch1)];
    expect(
      blueGreenCloneSetControl({
        release: br,
        workload: set,
        pods: [...old, ...labelled],
        legacyBatchLabels: false,
      }).ensureBatchReady(statusAt(0)),
    ).toEqual({ done: true, actions: [] });
    const short = controlled({ maxSurge: "50%" }, { updatedReplicas: 2, updatedReadyReplicas: 1 });
    expect(
      blueGreenCloneSetControl({
        release: br,
        workload: short,
        pods: [...old, ...labelled],
      }).ensureBatchReady(statusAt(0)),
    ).toMatchObject({ done: false });
  });

  it("Finalize restores the original strategy, waits for every ready pod to be updated, then re-attaches the HPA", () => {
    const promote = bgRelease(null);
    const status = statusAt(1);
    const restore = blueGreenCloneSetControl({
      release: promote,
      workload: controlled({ maxSurge: "100%" }),
    }).finalize(status);
    expect(restore.done).toBe(false);
    expect(restore.actions).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: {
          metadata: { annotations: { [orig]: null, [ci]: null } },
          spec: { minReadySeconds: 0, updateStrategy: { partition: null, maxSurge: 1, maxUnavailable: 0 } },
        },
      },
    ]);
    const hpas = [hpa("demo-DisableByRollout")];
    const rolling = cloneSet({
      status: { replicas: 6, readyReplicas: 6, updatedReplicas: 4, updatedReadyReplicas: 4 },
    });
    expect(
      blueGreenCloneSetControl({
        release: promote,
        workload: rolling,
        horizontalPodAutoscalers: hpas,
      }).finalize(status),
    ).toMatchObject({ done: false, actions: [] });
    const end = cloneSet({
      status: { replicas: 4, readyReplicas: 4, updatedReplicas: 4, updatedReadyReplicas: 4 },
    });
    expect(
      blueGreenCloneSetControl({ release: promote, workload: end, horizontalPodAutoscalers: hpas }).finalize(
        status,
      ),
    ).toEqual({
      done: true,
      actions: [
        {
          kind: "patch",
          target: hpaTarget,
          patchType: "merge",
          patch: { spec: { scaleTargetRef: { name: "demo" } } },
        },
      ],
    });
  });

  it("Finalize with a batchPartition leaves the workload (no continuous release)", () => {
    expect(blueGreenCloneSetControl({ release: br, workload: controlled() }).finalize(statusAt(0))).toEqual({
      actions: [],
      done: true,
    });
  });
});
