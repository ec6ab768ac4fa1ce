// Blue-green style for Deployments (spec §4.7): new pods are surged on top of the old ones
// (maxSurge = step replicas, maxUnavailable = 0) and never become available (huge
// minReadySeconds), so the old pods stay until Finalize restores the original strategy.
// Traffic is switched by the Rollout, not here. Disabling the HPA needs the HPAs in the
// observation (`horizontalPodAutoscalers`); without them nothing is written for HPAs.

import { type Action, patch } from "../actions.js";
import { batchNotReadyReason, fenceposts, newReplicaSetLimit } from "../batches.js";
import { scaledValue } from "../int-or-string.js";
import { controlInfoAnnotation, originalDeploymentStrategyAnnotation, stableRevisionLabel } from "../keys.js";
import type { BatchReleaseStatus, Deployment, IntOrString, ReplicaSet } from "../model.js";
import { stableReplicaSet } from "../workloads/deployment.js";
import { newReplicaSet, partitionDeploymentState } from "../workloads/deployment-partition.js";
import type { WorkloadState } from "../workloads/workload-state.js";
import { done, notYet, type ObservedRelease, type ReleaseControl } from "./control.js";
import { controlInfo, isControlledBy } from "./control-info.js";
import { partitionSync } from "./partition-sync.js";

/** v1beta1.MaxReadySeconds: new pods never turn available, so old pods are never scaled down. */
export const maxReadySeconds = 2147483646;
/** v1beta1.MaxProgressSeconds. */
export const maxProgressSeconds = 2147483647;
/** Suffix upstream gives an HPA's scaleTargetRef.name to detach it during a release. */
export const hpaDisableSuffix = "-DisableByRollout";

/** The `original-deployment-strategy` annotation (upstream control.OriginalDeploymentStrategy). */
export interface OriginalDeploymentStrategy {
  maxUnavailable?: IntOrString;
  maxSurge?: IntOrString;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
}

/** A HorizontalPodAutoscaler as far as blue-green reads it. */
export interface HorizontalPodAutoscaler {
  apiVersion: string;
  kind: "HorizontalPodAutoscaler";
  metadata: { name: string; namespace?: string };
  spec: { scaleTargetRef: { apiVersion?: string; kind: string; name: string } };
}

export function originalStrategyOf(d: Deployment): OriginalDeploymentStrategy {
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

const groupOf = (apiVersion: string | undefined) =>
  apiVersion?.includes("/") ? apiVersion.split("/")[0] : "";

/** The HPA targeting `d`, whether or not it is currently detached (upstream finds v2, then v1). */
function hpaOf(d: Deployment, hpas: HorizontalPodAutoscaler[]): HorizontalPodAutoscaler | undefined {
  const name = d.metadata.name ?? "";
  const ordered = [...hpas].sort(
    (a, b) => Number(b.apiVersion === "autoscaling/v2") - Number(a.apiVersion === "autoscaling/v2"),
  );
  return ordered.find(
    (h) =>
      h.spec.scaleTargetRef.kind === "Deployment" &&
      groupOf(h.spec.scaleTargetRef.apiVersion) === "apps" &&
      (h.spec.scaleTargetRef.name === name || h.spec.scaleTargetRef.name === `${name}${hpaDisableSuffix}`),
  );
}

function hpaPatch(h: HorizontalPodAutoscaler, name: string): Action {
  return patch(
    {
      apiVersion: h.apiVersion,
      kind: "HorizontalPodAutoscaler",
      ...(h.metadata.namespace === undefined ? {} : { namespace: h.metadata.namespace }),
      name: h.metadata.name,
    },
    "merge",
    { spec: { scaleTargetRef: { name } } },
  );
}

export function blueGreenDeploymentControl(
  observed: ObservedRelease & { horizontalPodAutoscalers?: HorizontalPodAutoscaler[] },
): ReleaseControl {
  const { release } = observed;
  const plan = release.spec.releasePlan;
  const deployment = observed.workload as Deployment | undefined;
  const replicaSets: ReplicaSet[] = observed.replicaSets ?? [];
  const hpas = observed.horizontalPodAutoscalers ?? [];
  const rolloutID = plan.rolloutID ?? "";
  const workload: WorkloadState | undefined = deployment
    ? (() => {
        const state = partitionDeploymentState(deployment, replicaSets);
        const newRs = newReplicaSet(deployment, replicaSets);
        const updatedReadyReplicas = newRs?.status?.readyReplicas ?? 0;
        return { ...state, status: { ...state.status, updatedReadyReplicas } };
      })()
    : undefined;

  const batchContext = (status: BatchReleaseStatus) => {
    const replicas = workload?.replicas ?? 0;
    const desiredSurge: IntOrString = plan.batches[status.canaryStatus.currentBatch]?.canaryReplicas ?? 0;
    let currentSurge: IntOrString = deployment?.spec.strategy?.rollingUpdate?.maxSurge ?? 0;
    // 1 is what Initialize writes: the initial value, not a batch's.
    if (currentSurge === 1) currentSurge = 0;
    const planned = newReplicaSetLimit(desiredSurge, replicas);
    return { replicas, desiredSurge, currentSurge, planned };
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
      const actions: Action[] = [];
      const hpa = hpaOf(deployment, hpas);
      if (hpa && hpa.spec.scaleTargetRef.name === deployment.metadata.name)
        actions.push(hpaPatch(hpa, `${deployment.metadata.name}${hpaDisableSuffix}`));
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
      if (!workload) return notYet("workload not found");
      const ctx = batchContext(status);
      const reason = batchNotReadyReason({
        rolloutID,
        updatedReplicas: workload.status.updatedReplicas,
        updatedReadyReplicas: workload.status.updatedReadyReplicas,
        desiredUpdatedReplicas: ctx.planned,
        plannedUpdatedReplicas: ctx.planned,
        failureThreshold: plan.failureThreshold ?? null,
        // Blue-green writes no batch labels.
        pods: [],
      });
      return reason ? notYet(reason) : done();
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
      const hpa = hpaOf(deployment, hpas);
      if (hpa && hpa.spec.scaleTargetRef.name !== deployment.metadata.name)
        actions.push(hpaPatch(hpa, deployment.metadata.name ?? ""));
      return done(actions);
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
