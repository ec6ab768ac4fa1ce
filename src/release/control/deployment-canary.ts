// Canary style for Deployments (spec §4.4): the user's ("stable") Deployment stays paused with
// its old pods while an extra canary Deployment with the new template is scaled up batch by
// batch; at the end the stable Deployment is unpaused and rolls itself.

import { type Action, patch, removeFinalizer, targetOf } from "../actions.js";
import { batchNotReadyReason, batchReplicas, fenceposts } from "../batches.js";
import {
  canaryDeploymentFinalizer,
  canaryDeploymentLabel,
  controlInfoAnnotation,
  podTemplateHashLabel,
} from "../keys.js";
import { batchLabelPatches } from "../labels.js";
import type { BatchRelease, Deployment, PodTemplate } from "../model.js";
import { controllerOf, isTerminating } from "../pods.js";
import { canonicalJson, templateHash, withoutMetadataKeys } from "../template-hash.js";
import { deploymentStatus, deploymentTypeMeta } from "../workloads/deployment.js";
import { byCreation, ownedReplicaSets, replicaSetRevisions } from "../workloads/replica-sets.js";
import { ownedPods } from "../workloads/statefulset.js";
import { done, notYet, type ObservedRelease, type ReleaseControl } from "./control.js";
import { controlInfo, isControlledBy, releaseOwnerReference } from "./control-info.js";

export function deploymentCanaryControl(observed: ObservedRelease): ReleaseControl {
  const { release } = observed;
  const plan = release.spec.releasePlan;
  const stable = observed.workload as Deployment | undefined;
  const owned = (observed.deployments ?? []).filter((d) => controllerOf(d)?.uid === release.metadata.uid);
  const canaries = owned.filter((d) => !isTerminating(d));
  const canary = stable ? currentCanary(release, canaries, stable.spec.template) : undefined;
  const stableReplicas = stable?.spec.replicas ?? 1;

  const canaryPods = () => {
    if (!canary) return [];
    const rss = ownedReplicaSets(canary, observed.replicaSets ?? []);
    return rss.flatMap((rs) => ownedPods(rs, observed.pods ?? []));
  };

  return {
    sync(status) {
      if (release.metadata.deletionTimestamp) return { event: "normal" };
      if (!stable) return { event: "gone" };
      const counts = {
        updatedReplicas: canary?.status?.replicas ?? 0,
        updatedReadyReplicas: canary?.status?.availableReplicas ?? 0,
      };
      const info = deploymentStatus(stable);
      if (info.observedGeneration < (stable.metadata.generation ?? 0))
        return { event: "reconciling", ...counts };
      if (info.replicas === info.updatedReplicas) return { event: "normal", ...counts };
      const observedReplicas = status.observedWorkloadReplicas ?? -1;
      if (observedReplicas !== -1 && stableReplicas !== observedReplicas)
        return { event: "replicasChanged", replicas: stableReplicas, ...counts };
      const recorded = status.updateRevision ?? "";
      if (recorded !== "" && info.updateRevision !== recorded)
        return { event: "templateChanged", updateRevision: info.updateRevision, ...counts };
      return { event: "unknown", ...counts };
    },

    initialize() {
      if (!stable) return notYet("stable deployment not found");
      const actions: Action[] = [];
      if (!isControlledBy(release, stable)) {
        actions.push(
          patch(targetOf(stable, deploymentTypeMeta), "strategic", {
            metadata: { annotations: { [controlInfoAnnotation]: controlInfo(release) } },
          }),
        );
      }
      if (!canary) {
        if (observed.canaryCreationPending)
          return notYet("waiting for the created canary deployment to appear", actions);
        actions.push({ kind: "create", object: newCanaryDeployment(release, stable) });
        return notYet("created canary deployment, waiting informer synced", actions);
      }
      // Upstream records the canary template's hash, then overwrites it with the stable
      // template's on the next pass when patchPodTemplateMetadata made them differ. We record
      // the value it settles on directly.
      return done(actions, {
        status: {
          observedWorkloadReplicas: stableReplicas,
          stableRevision: "",
          updateRevision: templateHash(stable.spec.template),
        },
      });
    },

    upgradeBatch(status) {
      if (!stable) return notYet("stable deployment not found");
      if (stableReplicas === 0) return done();
      if (!canary) return notYet("canary deployment not found");
      if (!generationObserved(canary))
        return notYet(`wait canary workload ${canary.metadata.name} reconcile`);
      const desired = batchReplicas(plan, stableReplicas, status.canaryStatus.currentBatch);
      // The canary is only ever scaled up: a lower step never removes canary pods.
      if ((canary.spec.replicas ?? 1) >= desired) return done();
      return done([
        patch(targetOf(canary, deploymentTypeMeta), "strategic", { spec: { replicas: desired } }),
      ]);
    },

    ensureBatchReady(status) {
      if (!stable) return notYet("stable deployment not found");
      if (stableReplicas === 0) return done();
      if (!canary) return notYet("canary deployment not found");
      if (!generationObserved(canary))
        return notYet(`wait canary workload ${canary.metadata.name} reconcile`);
      const currentBatch = status.canaryStatus.currentBatch;
      const pods = canaryPods();
      const labels = batchLabelPatches({
        plan,
        replicas: stableReplicas,
        currentBatch,
        rolloutID: plan.rolloutID ?? "",
        updateRevision: status.updateRevision ?? "",
        pods,
        // Put the patched metadata back to the stable values, so canary pods match the update
        // revision (the stable template's hash). Upstream leaves them unlabelled when
        // patchPodTemplateMetadata is used; we label them.
        replicaSetRevisions: replicaSetRevisions(
          ownedReplicaSets(canary, observed.replicaSets ?? []),
          stable.spec.template,
          plan.patchPodTemplateMetadata ?? {},
        ),
        legacyLabels: observed.legacyBatchLabels ?? true,
      });
      const reason = batchNotReadyReason({
        rolloutID: plan.rolloutID ?? "",
        updatedReplicas: canary.status?.replicas ?? 0,
        updatedReadyReplicas: canary.status?.availableReplicas ?? 0,
        desiredUpdatedReplicas: batchReplicas(plan, stableReplicas, currentBatch),
        plannedUpdatedReplicas: 0,
        failureThreshold: plan.failureThreshold ?? null,
        pods,
      });
      return reason ? notYet(reason, labels) : done(labels);
    },

    finalize() {
      const actions: Action[] = [];
      if (stable) {
        const paused = plan.batchPartition !== undefined && plan.batchPartition !== null;
        if (
          controlInfoAnnotation in (stable.metadata.annotations ?? {}) ||
          (stable.spec.paused ?? false) !== paused
        ) {
          actions.push(
            patch(targetOf(stable, deploymentTypeMeta), "strategic", {
              metadata: { annotations: { [controlInfoAnnotation]: null } },
              spec: { paused },
            }),
          );
        }
        if (plan.finalizingPolicy === "WaitResume") {
          const waiting = resumeNotFinished(stable);
          if (waiting) return notYet(waiting, actions);
        }
      }
      // Terminating canaries too (upstream Delete lists every owned one): a namespace deleted
      // mid-release deletes the canary first, and only this finalizer removal lets it go.
      for (const d of owned) {
        const finalizers = d.metadata.finalizers ?? [];
        if (!finalizers.includes(canaryDeploymentFinalizer)) continue;
        actions.push(removeFinalizer(targetOf(d, deploymentTypeMeta), finalizers, canaryDeploymentFinalizer));
      }
      return done(actions);
    },

    drive: () => [],
  };
}

/** The newest canary of this release whose template is the stable one (ignoring the patched keys). */
function currentCanary(
  release: BatchRelease,
  canaries: Deployment[],
  template: PodTemplate,
): Deployment | undefined {
  const patchMeta = release.spec.releasePlan.patchPodTemplateMetadata;
  const labels = [...Object.keys(patchMeta?.labels ?? {}), podTemplateHashLabel];
  const annotations = Object.keys(patchMeta?.annotations ?? {});
  const key = (t: PodTemplate) => canonicalJson(withoutMetadataKeys(t, labels, annotations));
  return [...canaries].sort((a, b) => byCreation(b, a)).find((d) => key(d.spec.template) === key(template));
}

function generationObserved(d: Deployment): boolean {
  return (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Why the unpaused stable Deployment has not finished its own rolling update, if it has not. */
function resumeNotFinished(d: Deployment): string | undefined {
  if (d.spec.paused) return "promote error: deployment should not be paused";
  const replicas = d.status?.replicas ?? 0;
  if (replicas !== (d.status?.updatedReplicas ?? 0)) return "promote error: all replicas should be upgraded";
  if (deploymentMaxUnavailable(d) + (d.status?.availableReplicas ?? 0) < replicas)
    return "promote error: ready replicas should satisfy maxUnavailable";
  return undefined;
}

function deploymentMaxUnavailable(d: Deployment): number {
  const replicas = d.spec.replicas ?? 1;
  if ((d.spec.strategy?.type ?? "RollingUpdate") !== "RollingUpdate" || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  return Math.min(
    fenceposts(ru.maxSurge ?? "25%", ru.maxUnavailable ?? "25%", replicas).unavailable,
    replicas,
  );
}

export function newCanaryDeployment(release: BatchRelease, stable: Deployment): Deployment {
  const patchMeta = release.spec.releasePlan.patchPodTemplateMetadata;
  const template = stable.spec.template;
  const name = stable.metadata.name ?? "";
  return {
    ...deploymentTypeMeta,
    metadata: {
      generateName: `${name}-`,
      namespace: stable.metadata.namespace ?? release.metadata.namespace,
      labels: { [canaryDeploymentLabel]: name },
      annotations: { [controlInfoAnnotation]: controlInfo(release) },
      finalizers: [canaryDeploymentFinalizer],
      ownerReferences: [releaseOwnerReference(release)],
    },
    spec: {
      ...structuredClone(stable.spec),
      template: {
        ...structuredClone(template),
        metadata: {
          ...structuredClone(template.metadata ?? {}),
          labels: { ...(template.metadata?.labels ?? {}), ...(patchMeta?.labels ?? {}) },
          annotations: { ...(template.metadata?.annotations ?? {}), ...(patchMeta?.annotations ?? {}) },
        },
      },
      replicas: 0,
      paused: false,
    },
  };
}
