// Blue-green style for Deployments (spec §4.7): new pods are surged on top of the old ones
// (maxSurge = step replicas, maxUnavailable = 0) and never become available (huge
// minReadySeconds), so the old pods stay until Finalize restores the original strategy.
// Traffic is switched by the Rollout, not here. The HPA is detached for the release
// (bluegreen-hpa.ts) from the HPAs in the observation.

import { type Action, patch } from "../actions.js";
import { batchNotReadyReason, fenceposts, newReplicaSetLimit } from "../batches.js";
import { scaledValue } from "../int-or-string.js";
import {
  controlInfoAnnotation,
  originalDeploymentStrategyAnnotation,
  podTemplateHashLabel,
  stableRevisionLabel,
} from "../keys.js";
import { batchLabelPatches } from "../labels.js";
import type { BatchReleaseStatus, Deployment, IntOrString, Meta, ReplicaSet } from "../model.js";
import { stableReplicaSet } from "../workloads/deployment.js";
import { newReplicaSet, partitionDeploymentState } from "../workloads/deployment-partition.js";
import { ownedReplicaSets } from "../workloads/replica-sets.js";
import { ownedPods } from "../workloads/statefulset.js";
import type { WorkloadState } from "../workloads/workload-state.js";
import { disableHpa, hpaOf, restoreHpa } from "./bluegreen-hpa.js";
import { done, notYet, type ObservedRelease, type ReleaseControl } from "./control.js";
import { controlInfo, isControlledBy } from "./control-info.js";
import { partitionSync } from "./partition-sync.js";

/** v1beta1.MaxReadySeconds: new pods never turn available, so old pods are never scaled down. */
export const maxReadySeconds = 2147483646;
/** v1beta1.MaxProgressSeconds. */
export const maxProgressSeconds = 2147483647;
/** The `original-deployment-strategy` annotation (upstream control.OriginalDeploymentStrategy). */
export interface OriginalDeploymentStrategy {
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
}

export function originalStrategyOf(d: { metadata: Meta }): OriginalDeploymentStrategy {
  try {
    const parsed = JSON.parse(d.metadata.annotations?.[originalDeploymentStrategyAnnotation] ?? "{}");
    return parsed !== null && typeof parsed === "object" ? (parsed as OriginalDeploymentStrategy) : {};
  } catch {
    return {};
  }
}

/** Upstream InitOriginalSetting: keeps recorded values, fills the rest from the Deployment. */
export function initOriginalStrategy(d: Deployment): OriginalDeploymentStrategy {
  const s = originalStrategyOf(d);
  const ru = d.spec.strategy?.rollingUpdate ?? undefined;
  const progress = d.spec.progressDeadlineSeconds;
  return {
    maxUnavailable: s.maxUnavailable ?? ru?.maxUnavailable ?? "25%",
    maxSurge: s.maxSurge ?? ru?.maxSurge ?? "25%",
    minReadySeconds: s.minReadySeconds || (d.spec.minReadySeconds ?? 0),
    progressDeadlineSeconds: s.progressDeadlineSeconds ?? (typeof progress === "number" ? progress : 600),
  };
}

/** Go's field order and omitempty (minReadySeconds 0 is left out). */
export function originalStrategyJson(s: OriginalDeploymentStrategy): string {
  const out: Record<string, unknown> = {};
  if (s.maxUnavailable !== undefined) out.maxUnavailable = s.maxUnavailable;
  if (s.maxSurge !== undefined) out.maxSurge = s.maxSurge;
  if (s.minReadySeconds) out.minReadySeconds = s.minReadySeconds;
  if (s.progressDeadlineSeconds !== undefined) out.progressDeadlineSeconds = s.progressDeadlineSeconds;
  return JSON.stringify(out);
}

/** Upstream ValidateReadyForBlueGreenRelease; undefined when ready. */
export function blueGreenNotReadyReason(d: Deployment): string | undefined {
  if (!d.metadata.annotations?.[controlInfoAnnotation]) return "missing control info annotation";
  if (d.spec.strategy?.type !== "RollingUpdate") return "deployment strategy type is not RollingUpdate";
  if (!d.spec.strategy.rollingUpdate) return "deployment strategy rollingUpdate is nil";
  if (d.spec.minReadySeconds !== maxReadySeconds)
    return "deployment strategy minReadySeconds is not MaxReadySeconds";
  const progress = d.spec.progressDeadlineSeconds;
  if (typeof progress === "number" && progress !== maxProgressSeconds)
    return "deployment strategy progressDeadlineSeconds is not MaxProgressSeconds";
  return undefined;
}

const deploymentKind = { apiVersion: "apps/v1", kind: "Deployment" };

export function blueGreenDeploymentControl(observed: ObservedRelease): ReleaseControl {
  const { release } = observed;
  const plan = release.spec.releasePlan;
  const deployment = observed.workload as Deployment | undefined;
  const replicaSets: ReplicaSet[] = observed.replicaSets ?? [];
  const hpas = observed.horizontalPodAutoscalers ?? [];
  const rolloutID = plan.rolloutID ?? "";
  const newRs = deployment ? newReplicaSet(deployment, replicaSets) : undefined;
  const workload: WorkloadState | undefined = deployment
    ? (() => {
        const state = partitionDeploymentState(deployment, replicaSets);
        // Upstream: the new ReplicaSet's ready pods (its pods never turn available).
        const updatedReadyReplicas = newRs?.status?.readyReplicas ?? 0;
        return { ...state, status: { ...state.status, updatedReadyReplicas } };
      })()
    : undefined;
  const pods = deployment
    ? ownedReplicaSets(deployment, replicaSets).flatMap((rs) => ownedPods(rs, observed.pods ?? []))
    : [];

  const batchContext = (status: BatchReleaseStatus) => {
    const replicas = workload?.replicas ?? 0;
    const desiredSurge: IntOrString = plan.batches[status.canaryStatus.currentBatch]?.canaryReplicas ?? 0;
    let currentSurge: IntOrString = deployment?.spec.strategy?.rollingUpdate?.maxSurge ?? 0;
    // 1 is what Initialize writes: the initial value, not a batch's.
    if (currentSurge === 1) currentSurge = 0;
    const planned = newReplicaSetLimit(desiredSurge, replicas);
    return { replicas, desiredSurge, currentSurge, planned };
  };

  /**
   * Batch labels on the new ReplicaSet's pods (upstream patches them while checking readiness).
   * Its pod-template-hash stands for the update revision: our template hash is not Kubernetes'
   * (spec §4.10). Nothing is labelled while the template is not the one the release recorded.
   */
  const batchLabels = (status: BatchReleaseStatus): Action[] => {
    const newHash = newRs?.metadata.labels?.[podTemplateHashLabel];
    if (!deployment || !workload || !newHash) return [];
    if (workload.status.updateRevision !== status.updateRevision) return [];
    return batchLabelPatches({
      plan,
      replicas: workload.replicas,
      currentBatch: status.canaryStatus.currentBatch,
      rolloutID,
      updateRevision: newHash,
      pods,
      legacyLabels: observed.legacyBatchLabels ?? true,
    });
  };

  return {
    sync: (status) => partitionSync(release, workload, status),

    initialize() {
      if (!deployment || !workload) return done();
      const bookkeeping = {
        stableRevision: workload.status.stableRevision,
        updateRevision: workload.status.updateRevision,
        observedWorkloadReplicas: workload.replicas,
      };
      if (isControlledBy(release, deployment)) return done([], { status: bookkeeping });
      const actions: Action[] = disableHpa(hpaOf(deployment, deploymentKind, hpas));
      // The stable pods must never count as available to the new ReplicaSet's rollout either.
      const stable = stableReplicaSet(deployment, replicaSets);
      if (stable && stable.spec.minReadySeconds !== maxReadySeconds) {
        actions.push(
          patch(
            {
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              ...(stable.metadata.namespace === undefined ? {} : { namespace: stable.metadata.namespace }),
              name: stable.metadata.name ?? "",
            },
            "merge",
            { spec: { minReadySeconds: maxReadySeconds } },
          ),
        );
      }
      actions.push(
        patch(workload.target, "strategic", {
          metadata: {
            annotations: {
              [originalDeploymentStrategyAnnotation]: originalStrategyJson(initOriginalStrategy(deployment)),
              [controlInfoAnnotation]: controlInfo(release),
            },
          },
          spec: {
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
            minReadySeconds: maxReadySeconds,
            progressDeadlineSeconds: maxProgressSeconds,
          },
        }),
      );
      return done(actions, { status: bookkeeping });
    },

    upgradeBatch(status) {
      if (!deployment || !workload) return notYet("workload not found");
      const invalid = blueGreenNotReadyReason(deployment);
      if (invalid) {
        return {
          actions: [],
          done: false,
          badRequest: true,
          reason: `cannot upgrade batch, because deployment ${deployment.metadata.namespace}/${deployment.metadata.name} doesn't satisfy conditions: ${invalid}`,
        };
      }
      const ctx = batchContext(status);
      const desired = scaledValue(ctx.desiredSurge, ctx.replicas, true);
      const current = scaledValue(ctx.currentSurge, ctx.replicas, true);
      if (current >= desired) return done();
      return done([
        patch(workload.target, "strategic", {
          spec: {
            paused: false,
            strategy: {
              type: "RollingUpdate",
              rollingUpdate: { maxSurge: ctx.desiredSurge, maxUnavailable: 0 },
            },
          },
        }),
      ]);
    },

    ensureBatchReady(status) {
      if (!deployment || !workload) return notYet("workload not found");
      if (workload.replicas === 0) return done();
      const ctx = batchContext(status);
      const labels = batchLabels(status);
      const reason = batchNotReadyReason({
        rolloutID,
        updatedReplicas: workload.status.updatedReplicas,
        updatedReadyReplicas: workload.status.updatedReadyReplicas,
        desiredUpdatedReplicas: ctx.planned,
        plannedUpdatedReplicas: ctx.planned,
        failureThreshold: plan.failureThreshold ?? null,
        pods,
      });
      return reason ? notYet(reason, labels) : done(labels);
    },

    finalize() {
      if (!deployment || !workload) return done();
      if (plan.batchPartition !== undefined && plan.batchPartition !== null) {
        // Upstream only logs "continuous release is not supported" and leaves the workload.
        return done();
      }
      const actions: Action[] = [];
      const annotations = deployment.metadata.annotations ?? {};
      const restoring =
        controlInfoAnnotation in annotations ||
        originalDeploymentStrategyAnnotation in annotations ||
        stableRevisionLabel in (deployment.metadata.labels ?? {});
      if (restoring) {
        // What Initialize recorded; an omitted minReadySeconds was 0 (Go omitempty), not the
        // current huge value.
        const original = originalStrategyOf(deployment);
        actions.push(
          patch(workload.target, "strategic", {
            metadata: {
              annotations: { [originalDeploymentStrategyAnnotation]: null, [controlInfoAnnotation]: null },
              labels: { [stableRevisionLabel]: null },
            },
            spec: {
              paused: false,
              minReadySeconds: original.minReadySeconds ?? 0,
              progressDeadlineSeconds: original.progressDeadlineSeconds ?? 600,
              strategy: {
                rollingUpdate: {
                  maxSurge: original.maxSurge ?? "25%",
                  maxUnavailable: original.maxUnavailable ?? "25%",
                },
              },
            },
          }),
        );
        return notYet("waiting for the restored strategy to be observed", actions);
      }
      const waiting = waitAllUpdatedAndReady(deployment);
      if (waiting) return notYet(waiting);
      return done(restoreHpa(hpaOf(deployment, deploymentKind, hpas)));
    },

    drive: () => [],
  };
}

/** Upstream waitAllUpdatedAndReady: every ready pod is updated, within maxUnavailable. */
export function waitAllUpdatedAndReady(d: Deployment): string | undefined {
  if (d.spec.paused) return "deployment should not be paused";
  const s = d.status ?? {};
  if ((s.readyReplicas ?? 0) !== (s.updatedReplicas ?? 0))
    return "all ready replicas should be updated, and all updated replicas should be ready";
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate ?? undefined;
  const { unavailable } = fenceposts(ru?.maxSurge ?? "25%", ru?.maxUnavailable ?? "25%", replicas);
  if (unavailable + (s.availableReplicas ?? 0) < replicas)
    return "ready replicas should satisfy maxUnavailable";
  return undefined;
}
