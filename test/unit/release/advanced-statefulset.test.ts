import { describe, expect, it } from "vitest";
import { controlInfo } from "../../../src/release/control/control-info.js";
import { releaseStyle } from "../../../src/release/control/select.js";
import type { BatchRelease } from "../../../src/release/model.js";
import { planBatchRelease } from "../../../src/release/plan.js";
import { releasePlanHash } from "../../../src/release/plan-hash.js";
import { now, pod, progressing, release, statefulSet } from "./fixtures.js";

// Advanced StatefulSets (apps.kruise.io v1beta1 and v1alpha1) go through the StatefulSet-like
// control (spec §4.8); the patches target the set's own apiVersion.
for (const apiVersion of ["apps.kruise.io/v1beta1", "apps.kruise.io/v1alpha1"]) {
  describe(`Advanced StatefulSet ${apiVersion}`, () => {
    const base = release({});
    const br: BatchRelease = {
      ...base,
      spec: { ...base.spec, workloadRef: { apiVersion, kind: "StatefulSet", name: "demo" } },
    };
    const target = { apiVersion, kind: "StatefulSet", namespace: "ns", name: "demo" };
    const asts = (opts: Parameters<typeof statefulSet>[0] = {}) => ({ ...statefulSet(opts), apiVersion });

    it("uses the StatefulSet-like partition control", () => {
      expect(releaseStyle(br.spec.workloadRef, br.spec.releasePlan)).toBe("statefulset-partition");
    });

    it("Initialize holds it at 32767 with control-info", () => {
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
      const r = planBatchRelease({ release: preparing, workload: asts() }, now);
      expect(r.actions).toEqual([
        {
          kind: "patch",
          target,
          patchType: "merge",
          patch: {
            metadata: { annotations: { "batchrelease.rollouts.kruise.io/control-info": controlInfo(br) } },
            spec: { updateStrategy: { rollingUpdate: { partition: 32767, paused: false } } },
          },
        },
      ]);
    });

    it("UpgradeBatch lowers the partition and labels in-place updated pods", () => {
      // The counts match what the planner will observe, so it acts instead of refreshing status.
      const p = progressing(br, 0, "Upgrading", {
        canaryStatus: {
          currentBatch: 0,
          batchState: "Upgrading",
          updatedReplicas: 0,
          updatedReadyReplicas: 1,
        },
      });
      const pods = [
        pod("demo-3", { "controller-revision-hash": "demo-v2", "pod-template-hash": "v2" }, "sts-uid"),
      ];
      const r = planBatchRelease(
        { release: p, workload: asts({ controlled: br }), pods, legacyBatchLabels: false },
        now,
      );
      expect(r.actions).toEqual([
        {
          kind: "patch",
          target,
          patchType: "merge",
          patch: { spec: { updateStrategy: { rollingUpdate: { partition: 3 } } } },
        },
        {
          kind: "patch",
          target: { apiVersion: "v1", kind: "Pod", namespace: "ns", name: "demo-3" },
          patchType: "strategic",
          patch: {
            metadata: {
              labels: { "rollouts.kruise.io/rollout-id": "r1", "rollouts.kruise.io/rollout-batch-id": "1" },
            },
          },
        },
      ]);
    });
  });
}
