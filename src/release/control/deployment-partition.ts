// Partition style for Deployments (spec §4.6): the Deployment is paused and set to Recreate so
// the native controller stands still, the partition lives in the deployment-strategy annotation,
// and planPartitionDeployment moves the ReplicaSets towards it on every pass.

import { type Action, patch } from "../actions.js";
import { batchNotReadyReason, newReplicaSetLimit, partitionAtLeast } from "../batches.js";
import {
  advancedDeploymentControlLabel,
  controlInfoAnnotation,
  deploymentExtraStatusAnnotation,
  deploymentStrategyAnnotation,
  stableRevisionLabel,
} from "../keys.js";
import { batchLabelPatches } from "../labels.js";
import type { BatchReleaseStatus, Deployment } from "../model.js";
import { partitionDeploymentState } from "../workloads/deployment-partition.js";
import { ownedReplicaSets, replicaSetRevisions } from "../workloads/replica-sets.js";
import { ownedPods } from "../workloads/statefulset.js";
import { done, notYet, type ObservedRelease, type ReleaseControl } from "./control.js";
import { controlInfo } from "./control-info.js";
import {
  deploymentStrategyOf,
  isUnderReleaseControl,
  strategyJson,
  withDefaults,
} from "./deployment-strategy.js";
import { planPartitionDeployment } from "./partition-replica-sets.js";
import { partitionSync } from "./partition-sync.js";

export function deploymentPartitionControl(observed: ObservedRelease): ReleaseControl {
  const { release } = observed;
  const plan = release.spec.releasePlan;
  const deployment = observed.workload as Deployment | undefined;
  const replicaSets = observed.replicaSets ?? [];
  const workload = deployment ? partitionDeploymentState(deployment, replicaSets) : undefined;
  const pods = deployment
    ? ownedReplicaSets(deployment, replicaSets).flatMap((rs) => ownedPods(rs, observed.pods ?? []))
    : [];
  const underControl = deployment !== undefined && isUnderReleaseControl(deployment, controlInfoAnnotation);
  const rolloutID = plan.rolloutID ?? "";

  const batchContext = (status: BatchReleaseStatus) => {
    const desiredPartition = plan.batches[status.canaryStatus.currentBatch]?.canaryReplicas ?? 0;
    return { desiredPartition, planned: newReplicaSetLimit(desiredPartition, workload?.replicas ?? 0) };
  };

  return {
    sync: (status) => partitionSync(release, workload, status),

    initialize() {
      if (!deployment || !workload) return notYet("workload not found");
      const bookkeeping = {
        stableRevision: workload.status.stableRevision,
        updateRevision: workload.status.updateRevision,
        observedWorkloadReplicas: workload.replicas,
      };
      if (underControl) return done([], { status: bookkeeping });
      const previous = deploymentStrategyOf(deployment);
      const strategy = withDefaults({
        rollingStyle: "Partition",
        rollingUpdate: deployment.spec.strategy?.rollingUpdate ?? previous.rollingUpdate ?? {},
        partition: 0,
      });
      return done(
        [
          patch(workload.target, "strategic", {
            metadata: {
              labels: { [advancedDeploymentControlLabel]: "true" },
              annotations: {
                [deploymentStrategyAnnotation]: strategyJson(strategy),
                [controlInfoAnnotation]: controlInfo(release),
              },
            },
            // Recreate + paused: the native controller neither creates nor rolls ReplicaSets.
            spec: { paused: true, strategy: { type: "Recreate", rollingUpdate: null } },
          }),
        ],
        { status: bookkeeping },
      );
    },

    upgradeBatch(status) {
      if (!deployment || !workload) return notYet("workload not found");
      if (workload.replicas === 0 || !underControl) return done();
      const { desiredPartition } = batchContext(status);
      const strategy = deploymentStrategyOf(deployment);
      const actions: Action[] = [];
      // The partition only ever grows: a batch never takes new pods back.
      if (!partitionAtLeast(strategy.partition, desiredPartition)) {
        actions.push(
          patch(workload.target, "strategic", {
            metadata: {
              annotations: {
                [deploymentStrategyAnnotation]: strategyJson({ ...strategy, partition: desiredPartition }),
              },
            },
          }),
        );
      }
      const labels = batchLabelPatches({
        plan,
        replicas: workload.replicas,
        currentBatch: status.canaryStatus.currentBatch,
        rolloutID,
        updateRevision: status.updateRevision ?? "",
        pods,
        replicaSetRevisions: replicaSetRevisions(
          ownedReplicaSets(deployment, replicaSets),
          deployment.spec.template,
        ),
        legacyLabels: observed.legacyBatchLabels ?? true,
      });
      return done([...actions, ...labels]);
    },

    ensureBatchReady(status) {
      if (!workload) return notYet("workload not found");
      if (workload.replicas === 0) return done();
      const { planned } = batchContext(status);
      const reason = batchNotReadyReason({
        rolloutID,
        updatedReplicas: workload.status.updatedReplicas,
        updatedReadyReplicas: workload.status.updatedReadyReplicas,
        desiredUpdatedReplicas: planned,
        plannedUpdatedReplicas: planned,
        failureThreshold: plan.failureThreshold ?? null,
        pods,
      });
      return reason ? notYet(reason) : done();
    },

    finalize() {
      if (!deployment || !workload) return done();
      if (!deployment.metadata.annotations?.[controlInfoAnnotation] || !deployment.spec.paused) return done();
      const promote = plan.batchPartition === undefined || plan.batchPartition === null;
      if (!promote) {
        return done([
          patch(workload.target, "strategic", {
            metadata: { annotations: { [controlInfoAnnotation]: null } },
          }),
        ]);
      }
      const strategy = deploymentStrategyOf(deployment);
      return done([
        patch(workload.target, "strategic", {
          metadata: {
            labels: { [stableRevisionLabel]: null, [advancedDeploymentControlLabel]: null },
            annotations: {
              [controlInfoAnnotation]: null,
              [deploymentStrategyAnnotation]: null,
              [deploymentExtraStatusAnnotation]: null,
            },
          },
          spec: {
            paused: false,
            ...(deployment.spec.strategy?.type === "Recreate"
              ? { strategy: { type: "RollingUpdate", rollingUpdate: strategy.rollingUpdate ?? null } }
              : {}),
          },
        }),
      ]);
    },

    drive() {
      if (!deployment) return [];
      const strategy = deploymentStrategyOf(deployment);
      if (
        !underControl &&
        deployment.metadata.annotations?.[controlInfoAnnotation] === controlInfo(release)
      ) {
        // Ours, but someone reset the hold (an apply of the original manifest, say):
        // put it back before the native controller rolls the remaining pods.
        if (strategy.rollingStyle !== "Partition") return [];
        return [
          patch(workload?.target ?? { apiVersion: "apps/v1", kind: "Deployment", name: "" }, "strategic", {
            spec: { paused: true, strategy: { type: "Recreate", rollingUpdate: null } },
          }),
        ];
      }
      if (!underControl) return [];
      if (strategy.rollingStyle === "Canary") return [];
      return planPartitionDeployment(deployment, replicaSets, pods, strategy.partition ?? 0);
    },
  };
}
