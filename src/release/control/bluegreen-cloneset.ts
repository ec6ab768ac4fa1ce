// Blue-green style for CloneSets (spec §4.7, upstream bluegreenstyle/cloneset): the webhook holds
// the set at partition "100%"; Initialize records the original strategy and sets maxSurge 1,
// maxUnavailable 0 and a huge minReadySeconds, so new pods never count as available and no old
// pod is ever scaled down. Each batch drops the partition and surges the step's replicas on top
// of the old pods. Finalize restores the strategy; the CloneSet controller then replaces the old
// pods (success) or the new ones (rollback). Traffic is switched by the Rollout, not here.

import { type Action, patch } from "../actions.js";
import { batchNotReadyReason } from "../batches.js";
import { scaledValue } from "../int-or-string.js";
import { controlInfoAnnotation, originalDeploymentStrategyAnnotation } from "../keys.js";
import { batchLabelPatches } from "../labels.js";
import type { BatchReleaseStatus, CloneSet, IntOrString } from "../model.js";
import { cloneSetState } from "../workloads/cloneset.js";
import { ownedPods } from "../workloads/statefulset.js";
import {
  maxReadySeconds,
  type OriginalDeploymentStrategy,
  originalStrategyJson,
  originalStrategyOf,
} from "./bluegreen-deployment.js";
import { disableHpa, hpaOf, restoreHpa } from "./bluegreen-hpa.js";
import { done, notYet, type ObservedRelease, type ReleaseControl } from "./control.js";
import { controlInfo, isControlledBy } from "./control-info.js";
import { partitionSync } from "./partition-sync.js";

const cloneSetKind = { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet" };

/** Upstream InitOriginalSetting for CloneSets: recorded values kept, CloneSet defaults 0% / 20%. */
export function initCloneSetOriginalStrategy(set: CloneSet): OriginalDeploymentStrategy {
  const s = originalStrategyOf(set);
  const us = set.spec.updateStrategy;
  const recorded: OriginalDeploymentStrategy = {
    maxUnavailable: s.maxUnavailable ?? us?.maxUnavailable ?? "20%",
    maxSurge: s.maxSurge ?? us?.maxSurge ?? "0%",
    minReadySeconds: s.minReadySeconds || (set.spec.minReadySeconds ?? 0),
  };
  // CloneSets have no progressDeadlineSeconds; a recorded one is kept as upstream does.
  if (s.progressDeadlineSeconds !== undefined) recorded.progressDeadlineSeconds = s.progressDeadlineSeconds;
  return recorded;
}

/** Upstream ValidateReadyForBlueGreenRelease for CloneSets; undefined when ready. */
export function cloneSetNotReadyReason(set: CloneSet): string | undefined {
  if (!set.metadata.annotations?.[controlInfoAnnotation]) return "workload has no control info annotation";
  const type = set.spec.updateStrategy?.type;
  if (type && type !== "ReCreate") return "cloneSet strategy type is not ReCreate";
  if (set.spec.minReadySeconds !== maxReadySeconds)
    return "cloneSet strategy minReadySeconds is not MaxReadySeconds";
  return undefined;
}

export function blueGreenCloneSetControl(observed: ObservedRelease): ReleaseControl {
  const { release } = observed;
  const plan = release.spec.releasePlan;
  const set = observed.workload as CloneSet | undefined;
  const workload = set ? cloneSetState(set) : undefined;
  const pods = set ? ownedPods(set, observed.pods ?? []) : [];
  const hpas = observed.horizontalPodAutoscalers ?? [];
  const rolloutID = plan.rolloutID ?? "";

  /** Upstream CalculateBatchContext: the surge is the batch; 1 is Initialize's placeholder. */
  const batchContext = (status: BatchReleaseStatus) => {
    const replicas = workload?.replicas ?? 0;
    const desiredSurge: IntOrString = plan.batches[status.canaryStatus.currentBatch]?.canaryReplicas ?? 0;
    let currentSurge: IntOrString = set?.spec.updateStrategy?.maxSurge ?? 0;
    if (currentSurge === 1) currentSurge = 0;
    const desired = scaledValue(desiredSurge, replicas, true);
    return { replicas, desiredSurge, current: scaledValue(currentSurge, replicas, true), desired };
  };

  return {
    sync: (status) => partitionSync(release, workload, status),

    initialize() {
      if (!set || !workload) return done();
      const bookkeeping = {
        stableRevision: workload.status.stableRevision,
        updateRevision: workload.status.updateRevision,
        observedWorkloadReplicas: workload.replicas,
      };
      if (isControlledBy(release, set)) return done([], { status: bookkeeping });
      return done(
        [
          ...disableHpa(hpaOf(set, cloneSetKind, hpas)),
          // partition "100%" from the webhook stays: it is the hold until the first batch
          patch(workload.target, "merge", {
            metadata: {
              annotations: {
                [originalDeploymentStrategyAnnotation]: originalStrategyJson(
                  initCloneSetOriginalStrategy(set),
                ),
                [controlInfoAnnotation]: controlInfo(release),
              },
            },
            spec: {
              minReadySeconds: maxReadySeconds,
              updateStrategy: { paused: false, maxSurge: 1, maxUnavailable: 0 },
            },
          }),
        ],
        { status: bookkeeping },
      );
    },

    upgradeBatch(status) {
      if (!set || !workload) return notYet("workload not found");
      if (workload.replicas === 0) return done();
      const invalid = cloneSetNotReadyReason(set);
      if (invalid) {
        return {
          actions: [],
          done: false,
          badRequest: true,
          reason: `cannot upgrade batch, because cloneset ${set.metadata.namespace}/${set.metadata.name} doesn't satisfy conditions: ${invalid}`,
        };
      }
      const ctx = batchContext(status);
      if (ctx.current >= ctx.desired) return done();
      return done([
        patch(workload.target, "merge", {
          spec: { updateStrategy: { partition: null, maxSurge: ctx.desiredSurge } },
        }),
      ]);
    },

    ensureBatchReady(status) {
      if (!workload) return notYet("workload not found");
      if (workload.replicas === 0) return done();
      const ctx = batchContext(status);
      const labels = batchLabelPatches({
        plan,
        replicas: ctx.replicas,
        currentBatch: status.canaryStatus.currentBatch,
        rolloutID,
        updateRevision: status.updateRevision ?? "",
        pods,
        legacyLabels: observed.legacyBatchLabels ?? true,
      });
      const reason = batchNotReadyReason({
        rolloutID,
        updatedReplicas: workload.status.updatedReplicas,
        updatedReadyReplicas: workload.status.updatedReadyReplicas,
        desiredUpdatedReplicas: ctx.desired,
        plannedUpdatedReplicas: ctx.desired,
        failureThreshold: plan.failureThreshold ?? null,
        pods,
      });
      return reason ? notYet(reason, labels) : done(labels);
    },

    finalize() {
      if (!set || !workload) return done();
      // Upstream only logs "continuous release is not supported" and leaves the workload.
      if (plan.batchPartition !== undefined && plan.batchPartition !== null) return done();
      const actions: Action[] = [];
      if (
        set.metadata.annotations?.[originalDeploymentStrategyAnnotation] &&
        !set.metadata.deletionTimestamp
      ) {
        const original = originalStrategyOf(set);
        actions.push(
          patch(workload.target, "merge", {
            metadata: {
              annotations: { [originalDeploymentStrategyAnnotation]: null, [controlInfoAnnotation]: null },
            },
            spec: {
              minReadySeconds: original.minReadySeconds ?? 0,
              updateStrategy: {
                // Upstream leaves the partition; a release finalised before its first batch
                // would then keep the webhook's "100%" hold for good.
                partition: null,
                maxSurge: original.maxSurge ?? "0%",
                maxUnavailable: original.maxUnavailable ?? "20%",
              },
            },
          }),
        );
        return notYet("waiting for the restored strategy to be observed", actions);
      }
      const s = set.status ?? {};
      if ((s.readyReplicas ?? 0) !== (s.updatedReadyReplicas ?? 0)) {
        return notYet(
          `cloneset ${set.metadata.namespace}/${set.metadata.name} finalize not done, readyReplicas ${s.readyReplicas ?? 0} != updatedReadyReplicas ${s.updatedReadyReplicas ?? 0}, current policy ${plan.finalizingPolicy ?? ""}`,
        );
      }
      return done(restoreHpa(hpaOf(set, cloneSetKind, hpas)));
    },

    drive: () => [],
  };
}
