// Partition-style Deployments without upstream's Advanced Deployment controller: we make the
// batches by managing the old and new ReplicaSets ourselves, with upstream's rolling logic
// (pkg/controller/deployment/rolling.go) bounded by the partition. The Deployment itself stays
// paused with strategy Recreate, so the native Deployment controller only keeps its status.

import { type Action, patch, targetOf } from "../actions.js";
import { fenceposts, newReplicaSetLimit } from "../batches.js";
import {
  deploymentExtraStatusAnnotation,
  deploymentRevisionAnnotation,
  deploymentRevisionHistoryAnnotation,
  desiredReplicasAnnotation,
  lastAppliedConfigAnnotation,
  maxReplicasAnnotation,
  podTemplateHashLabel,
} from "../keys.js";
import type { Deployment, IntOrString, Pod, ReplicaSet } from "../model.js";
import { controllerOf, isReady, isTerminating } from "../pods.js";
import { templateHash } from "../template-hash.js";
import { newReplicaSet } from "../workloads/deployment-partition.js";
import {
  byCreation,
  byRevision,
  ownedReplicaSets,
  replicasOf,
  revisionOf,
} from "../workloads/replica-sets.js";
import { deploymentStrategyOf, withDefaults } from "./deployment-strategy.js";

const replicaSetTypeMeta = { apiVersion: "apps/v1", kind: "ReplicaSet" } as const;

/**
 * The ReplicaSet writes that move `deployment` one step towards `partition` new pods.
 * Pods that are not ready count as unavailable even if the ReplicaSet status is stale.
 */
export function planPartitionDeployment(
  deployment: Deployment,
  replicaSets: ReplicaSet[],
  pods: Pod[],
  partition: IntOrString,
): Action[] {
  const strategy = withDefaults({ rollingStyle: "Partition", ...deploymentStrategyOf(deployment) });
  const replicas = deployment.spec.replicas ?? 1;
  const limit = newReplicaSetLimit(partition, replicas);
  const { surge, unavailable } = fenceposts(
    strategy.rollingUpdate?.maxSurge,
    strategy.rollingUpdate?.maxUnavailable,
    replicas,
  );
  const maxUnavailable = replicas === 0 ? 0 : Math.min(unavailable, replicas);
  const owned = ownedReplicaSets(deployment, replicaSets);
  const newRs = newReplicaSet(deployment, replicaSets);
  const oldRss = owned.filter((rs) => rs !== newRs);
  const available = (rs: ReplicaSet) => availableOf(rs, pods);

  // A held release (strategy paused) only keeps what exists; it never starts new pods.
  if (strategy.paused) return [];

  if (!newRs) {
    const created = createNewReplicaSet(deployment, oldRss, replicas, limit, surge);
    return [{ kind: "create", object: created }];
  }

  const scale = (rs: ReplicaSet, to: number): Action =>
    patch(targetOf(rs, replicaSetTypeMeta), "merge", { spec: { replicas: to } }, rs.metadata.resourceVersion);
  const total = (rss: ReplicaSet[]) => rss.reduce((n, rs) => n + replicasOf(rs), 0);

  const extra = extraStatusPatch(deployment, newRs, limit);

  // 1. Scale the new ReplicaSet up, within maxSurge and the partition.
  const newReplicas = replicasOf(newRs);
  if (newReplicas > replicas) return [scale(newRs, replicas), ...extra];
  if (newReplicas < replicas) {
    const wanted = newReplicaSetTarget(newReplicas, total(owned), replicas, surge, limit);
    if (wanted !== newReplicas) return [scale(newRs, wanted), ...extra];
  }

  // 2. Scale old ReplicaSets down (or back up when the partition was lowered).
  const oldTotal = total(oldRss);
  if (oldTotal === 0) return extra;
  const oldDesired = replicas - Math.max(limit, newReplicas);
  const scaleDownLimit = oldTotal - oldDesired;
  if (scaleDownLimit <= 0) {
    const target = [...oldRss].sort((a, b) => replicasOf(b) - replicasOf(a) || byCreation(a, b))[0];
    return target && scaleDownLimit < 0
      ? [scale(target, replicasOf(target) - scaleDownLimit), ...extra]
      : extra;
  }
  const minAvailable = replicas - maxUnavailable;
  const newUnavailable = newReplicas - Math.min(available(newRs), newReplicas);
  const maxScaledDown = Math.min(total(owned) - minAvailable - newUnavailable, scaleDownLimit);
  if (maxScaledDown <= 0) return extra;

  // 2a. Unhealthy old pods go first: scale each old ReplicaSet down by its unavailable pods.
  // The ReplicaSet controller deletes not-ready pods before ready ones, so these are the ones removed.
  const sizes = new Map(oldRss.map((rs) => [rs, replicasOf(rs)]));
  let cleaned = 0;
  for (const rs of [...oldRss].sort(byCreation)) {
    const size = sizes.get(rs) ?? 0;
    const unhealthy = size - Math.min(available(rs), size);
    if (cleaned >= maxScaledDown) break;
    if (size === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    sizes.set(rs, size - down);
    cleaned += down;
  }

  // 2b. Then healthy old pods, as long as enough pods stay available.
  const availableTotal = owned.reduce((n, rs) => n + Math.min(available(rs), replicasOf(rs)), 0);
  if (availableTotal > minAvailable) {
    const oldAfterCleanup = [...sizes.values()].reduce((a, b) => a + b, 0);
    let budget = Math.min(availableTotal - minAvailable, oldAfterCleanup - oldDesired);
    // Newest old ReplicaSet first, as upstream's ReplicaSetsBySmallerRevision sorts.
    for (const rs of [...oldRss].sort((a, b) => byRevision(b, a))) {
      if (budget <= 0) break;
      const size = sizes.get(rs) ?? 0;
      const down = Math.min(size, budget);
      sizes.set(rs, size - down);
      budget -= down;
    }
  }
  const scales = oldRss
    .filter((rs) => sizes.get(rs) !== replicasOf(rs))
    .map((rs) => scale(rs, sizes.get(rs) ?? 0));
  return [...scales, ...extra];
}

/** Upstream NewRSNewReplicas: grow within maxSurge, never past the partition's limit. */
function newReplicaSetTarget(
  current: number,
  allPods: number,
  replicas: number,
  surge: number,
  limit: number,
): number {
  if (allPods <= current) return replicas;
  if (current >= limit) return current;
  const maxTotal = replicas + surge;
  if (allPods >= maxTotal) return current;
  const up = Math.min(maxTotal - allPods, replicas - current);
  return Math.min(current + up, limit);
}

/** Available pods of a ReplicaSet: both its status and its ready pods must agree. */
function availableOf(rs: ReplicaSet, pods: Pod[]): number {
  const ready = pods.filter(
    (p) => !isTerminating(p) && controllerOf(p)?.uid === rs.metadata.uid && isReady(p),
  ).length;
  return Math.min(rs.status?.availableReplicas ?? 0, ready);
}

function extraStatusPatch(d: Deployment, newRs: ReplicaSet, limit: number): Action[] {
  const value: Record<string, number> = {};
  // Go's omitempty drops zero counts.
  if (newRs.status?.readyReplicas) value.updatedReadyReplicas = newRs.status.readyReplicas;
  if (limit) value.expectedUpdatedReplicas = limit;
  const json = JSON.stringify(value);
  if (d.metadata.annotations?.[deploymentExtraStatusAnnotation] === json) return [];
  return [
    patch(targetOf(d, { apiVersion: "apps/v1", kind: "Deployment" }), "strategic", {
      metadata: { annotations: { [deploymentExtraStatusAnnotation]: json } },
    }),
  ];
}

const annotationsNotCopied = new Set([
  lastAppliedConfigAnnotation,
  deploymentRevisionAnnotation,
  deploymentRevisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  "deprecated.deployment.rollback.to",
]);

/** The new ReplicaSet as the Deployment controller would create it: `<deploy>-<hash>`, revision max+1. */
function createNewReplicaSet(
  d: Deployment,
  oldRss: ReplicaSet[],
  replicas: number,
  limit: number,
  surge: number,
): ReplicaSet {
  const hash = templateHash(d.spec.template, d.status?.collisionCount);
  const templateLabels = { ...(d.spec.template.metadata?.labels ?? {}), [podTemplateHashLabel]: hash };
  const revision = Math.max(0, ...oldRss.map(revisionOf)) + 1;
  const allPods = oldRss.reduce((n, rs) => n + replicasOf(rs), 0);
  // Upstream starts a new ReplicaSet with at least one pod even without surge room, briefly
  // running R + 1 pods. We start it empty instead: old pods make room first, within maxUnavailable.
  const initial = newReplicaSetTarget(0, allPods, replicas, surge, limit);
  const annotations = Object.fromEntries(
    Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !annotationsNotCopied.has(k)),
  );
  return {
    ...replicaSetTypeMeta,
    metadata: {
      name: `${d.metadata.name ?? ""}-${hash}`,
      namespace: d.metadata.namespace ?? "",
      labels: templateLabels,
      annotations: {
        ...annotations,
        [deploymentRevisionAnnotation]: String(revision),
        [desiredReplicasAnnotation]: String(replicas),
        [maxReplicasAnnotation]: String(replicas + surge),
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: d.metadata.name ?? "",
          uid: d.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas: initial,
      ...(d.spec.minReadySeconds === undefined ? {} : { minReadySeconds: d.spec.minReadySeconds }),
      selector: {
        ...(d.spec.selector ?? {}),
        matchLabels: { ...(d.spec.selector?.matchLabels ?? {}), [podTemplateHashLabel]: hash },
      },
      template: {
        ...structuredClone(d.spec.template),
        metadata: { ...structuredClone(d.spec.template.metadata ?? {}), labels: templateLabels },
      },
    },
  };
}
