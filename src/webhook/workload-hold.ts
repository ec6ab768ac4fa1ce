import { isDeepStrictEqual } from "node:util";
import type { JsonPatchOperation } from "../kube/patch.js";
import type { AdmissionDecision, AdmissionRequest } from "./review.js";

// The workload hold (spec §4.3): when a workload governed by a Rollout gets a new pod
// template, freeze it at admission time, before its own controller can replace a
// single pod. A Deployment is paused; a StatefulSet gets a partition above any
// ordinal (Advanced StatefulSets included); a CloneSet gets partition "100%"; an Advanced
// DaemonSet partition 32767; a native DaemonSet switches to OnDelete. The workload is marked
// in-progressing so the Rollout starts its release.

export const InProgressingAnnotation = "rollouts.kruise.io/in-progressing";
export const StableRevisionLabel = "rollouts.kruise.io/stable-revision";
const RolloutIdKey = "rollouts.kruise.io/rollout-id";
const DeploymentStrategyAnnotation = "rollouts.kruise.io/deployment-strategy";
const DaemonSetOriginalStrategyAnnotation = "rollouts.kruise.io/daemonset-original-update-strategy";
const OriginalDeploymentStrategyAnnotation = "rollouts.kruise.io/original-deployment-strategy";
const holdPartition = 32767;
const cloneSetHoldPartition = "100%";

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { uid?: string; controller?: boolean }[];
  deletionTimestamp?: string;
}

interface Workload {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
  spec?: {
    replicas?: number;
    paused?: boolean;
    template?: { metadata?: Meta; spec?: unknown };
    strategy?: { type?: string; rollingUpdate?: unknown };
    updateStrategy?: {
      type?: string;
      rollingUpdate?: { partition?: number };
      partition?: number | string | null;
    };
  };
  status?: { replicas?: number; updatedReplicas?: number };
}

/** What the hold needs to know about the Rollouts in the workload's namespace. */
export interface RolloutSummary {
  name: string;
  workloadRef: { apiVersion: string; kind: string; name: string };
  deleting: boolean;
  phase?: string;
  hasStrategy: boolean;
  hasTrafficRouting: boolean;
}

export interface ReplicaSetSummary {
  name: string;
  replicas: number;
  ownerUid?: string;
  podTemplateHash?: string;
  creationTimestamp?: string;
}

export interface HoldContext {
  rollouts: RolloutSummary[];
  /** The Deployment's ReplicaSets (only needed for Deployments). */
  replicaSets: ReplicaSetSummary[];
}

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

export function matchRollout(rollouts: RolloutSummary[], apiVersion: string, kind: string, name: string) {
  return rollouts.find(
    (r) =>
      !r.deleting &&
      r.phase !== "Disabled" &&
      r.hasStrategy &&
      r.workloadRef.kind === kind &&
      r.workloadRef.name === name &&
      groupOf(r.workloadRef.apiVersion) === groupOf(apiVersion),
  );
}

function templateWithoutHash(w: Workload): unknown {
  const t = structuredClone(w.spec?.template ?? {});
  if (t.metadata?.labels) {
    delete t.metadata.labels["pod-template-hash"];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  return t;
}

/** An update that starts a release: a new rollout-id, or (without one) a new pod template. */
export function isEffectiveChange(oldObj: Workload, newObj: Workload): boolean {
  const newId = newObj.metadata?.annotations?.[RolloutIdKey];
  if (newId) return newId !== oldObj.metadata?.annotations?.[RolloutIdKey];
  return !isDeepStrictEqual(templateWithoutHash(oldObj), templateWithoutHash(newObj));
}

const pointer = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

function setMapEntry(
  obj: Workload,
  map: "labels" | "annotations",
  key: string,
  value: string,
): JsonPatchOperation[] {
  if (!obj.metadata?.[map]) return [{ op: "add", path: `/metadata/${map}`, value: { [key]: value } }];
  return [{ op: "add", path: `/metadata/${map}/${pointer(key)}`, value }];
}

function holdDeployment(newObj: Workload, oldObj: Workload, ctx: HoldContext): JsonPatchOperation[] {
  const spec = newObj.spec ?? {};
  if (newObj.metadata?.annotations?.[InProgressingAnnotation]) {
    // Already in a release: keep it held whatever the update says.
    if (!isPartitionStyle(newObj) && newObj.metadata.annotations[OriginalDeploymentStrategyAnnotation])
      return holdBlueGreenDeployment(newObj, oldObj);
    const ops: JsonPatchOperation[] = [];
    if (!spec.paused) ops.push({ op: "add", path: "/spec/paused", value: true });
    if (isPartitionStyle(newObj)) {
      // Our ReplicaSet planner drives it; Recreate + paused keeps the native controller out.
      if (spec.strategy?.type !== "Recreate")
        ops.push({ op: "add", path: "/spec/strategy", value: { type: "Recreate" } });
      return ops;
    }
    if (spec.strategy?.type === "Recreate" && oldObj.spec?.strategy?.type !== "Recreate") {
      ops.push({
        op: "replace",
        path: "/spec/strategy",
        value: oldObj.spec?.strategy ?? { type: "RollingUpdate" },
      });
    }
    return ops;
  }
  if (spec.replicas === 0 || !isEffectiveChange(oldObj, newObj)) return [];
  const name = newObj.metadata?.name ?? "";
  const rollout = matchRollout(ctx.rollouts, newObj.apiVersion ?? "apps/v1", "Deployment", name);
  if (!rollout) return [];
  const uid = newObj.metadata?.uid ?? oldObj.metadata?.uid;
  const active = ctx.replicaSets
    .filter((rs) => rs.replicas > 0 && (!uid || rs.ownerUid === uid))
    .sort((a, b) => (a.creationTimestamp ?? "").localeCompare(b.creationTimestamp ?? ""));
  if (active.length === 0) return [];
  // With traffic routing there must be a single version of pods to pin the stable Service to.
  if (rollout.hasTrafficRouting && active.length !== 1) return [];
  const stable = active[0];
  return [
    ...setMapEntry(newObj, "labels", StableRevisionLabel, stable?.podTemplateHash ?? ""),
    { op: "add", path: "/spec/paused", value: true },
    ...setMapEntry(
      newObj,
      "annotations",
      InProgressingAnnotation,
      JSON.stringify({ rolloutName: rollout.name }),
    ),
  ];
}

/**
 * Blue-green runs the native rolling update itself (unpaused, surging), so `paused` belongs to
 * the release. Only a new template is held: the Rollout then sees a rollback, or refuses a
 * further version. The strategy stays a RollingUpdate.
 */
function holdBlueGreenDeployment(newObj: Workload, oldObj: Workload): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  if (isEffectiveChange(oldObj, newObj) && !newObj.spec?.paused)
    ops.push({ op: "add", path: "/spec/paused", value: true });
  if (newObj.spec?.strategy?.type !== "RollingUpdate")
    ops.push({
      op: "add",
      path: "/spec/strategy/type",
      value: oldObj.spec?.strategy?.type ?? "RollingUpdate",
    });
  return ops;
}

function isPartitionStyle(obj: Workload): boolean {
  const raw = obj.metadata?.annotations?.[DeploymentStrategyAnnotation];
  if (!raw) return false;
  try {
    return (JSON.parse(raw) as { rollingStyle?: string }).rollingStyle === "Partition";
  } catch {
    return false;
  }
}

function holdStatefulSet(newObj: Workload, oldObj: Workload, ctx: HoldContext): JsonPatchOperation[] {
  const spec = newObj.spec ?? {};
  if (spec.replicas === 0) return [];
  const type = spec.updateStrategy?.type ?? "RollingUpdate";
  if (type !== "RollingUpdate") return [];
  const inProgress = !!newObj.metadata?.annotations?.[InProgressingAnnotation];
  if (!inProgress) {
    if (!isEffectiveChange(oldObj, newObj)) return [];
    const rollout = matchRollout(
      ctx.rollouts,
      newObj.apiVersion ?? "apps/v1",
      newObj.kind ?? "StatefulSet",
      newObj.metadata?.name ?? "",
    );
    if (!rollout) return [];
    return [
      ...partitionOps(newObj),
      ...setMapEntry(
        newObj,
        "annotations",
        InProgressingAnnotation,
        JSON.stringify({ rolloutName: rollout.name }),
      ),
    ];
  }
  // In a release, a new template is held again; the release itself lowers the partition.
  return isEffectiveChange(oldObj, newObj) ? partitionOps(newObj) : [];
}

/** CloneSet hold: evaluated on every update, in a release or not (upstream handleCloneSet). */
function holdCloneSet(newObj: Workload, oldObj: Workload, ctx: HoldContext): JsonPatchOperation[] {
  if (newObj.spec?.replicas === 0 || !isEffectiveChange(oldObj, newObj)) return [];
  const rollout = matchRollout(
    ctx.rollouts,
    newObj.apiVersion ?? "apps.kruise.io/v1alpha1",
    "CloneSet",
    newObj.metadata?.name ?? "",
  );
  if (!rollout) return [];
  // With traffic routing there must be a single version of pods to pin the stable Service to.
  if (rollout.hasTrafficRouting && (newObj.status?.replicas ?? 0) !== (newObj.status?.updatedReplicas ?? 0))
    return [];
  const ops: JsonPatchOperation[] = [];
  if (newObj.spec?.updateStrategy?.partition !== cloneSetHoldPartition) {
    ops.push(
      newObj.spec?.updateStrategy
        ? { op: "add", path: "/spec/updateStrategy/partition", value: cloneSetHoldPartition }
        : { op: "add", path: "/spec/updateStrategy", value: { partition: cloneSetHoldPartition } },
    );
  }
  const state = JSON.stringify({ rolloutName: rollout.name });
  if (newObj.metadata?.annotations?.[InProgressingAnnotation] !== state)
    ops.push(...setMapEntry(newObj, "annotations", InProgressingAnnotation, state));
  return ops;
}

/**
 * DaemonSets (upstream handleDaemonSet / handleNativeDaemonSet): evaluated on every update, in a
 * release or not. An Advanced DaemonSet is held with a partition; a native one is switched to
 * OnDelete, its original strategy type kept in an annotation for Finalize.
 */
function holdDaemonSet(newObj: Workload, oldObj: Workload, ctx: HoldContext, native: boolean) {
  if (!isEffectiveChange(oldObj, newObj)) return [];
  const rollout = matchRollout(
    ctx.rollouts,
    newObj.apiVersion ?? (native ? "apps/v1" : "apps.kruise.io/v1alpha1"),
    "DaemonSet",
    newObj.metadata?.name ?? "",
  );
  if (!rollout) return [];
  const ops: JsonPatchOperation[] = native ? onDeleteOps(newObj) : partitionOps(newObj);
  const state = JSON.stringify({ rolloutName: rollout.name });
  if (newObj.metadata?.annotations?.[InProgressingAnnotation] !== state)
    ops.push(...setMapEntry(newObj, "annotations", InProgressingAnnotation, state));
  return ops;
}

function onDeleteOps(obj: Workload): JsonPatchOperation[] {
  const type = obj.spec?.updateStrategy?.type ?? "RollingUpdate";
  // A second release while one is in progress arrives as OnDelete: keep the first original.
  const original = obj.metadata?.annotations?.[DaemonSetOriginalStrategyAnnotation];
  const ops: JsonPatchOperation[] = [];
  if (!original) {
    ops.push(...setMapEntry(obj, "annotations", DaemonSetOriginalStrategyAnnotation, type));
    // So that the in-progressing annotation is added to this map, not in place of it.
    obj.metadata = {
      ...obj.metadata,
      annotations: { ...obj.metadata?.annotations, [DaemonSetOriginalStrategyAnnotation]: type },
    };
  }
  if (type === "OnDelete") return ops;
  ops.push(
    obj.spec?.updateStrategy
      ? { op: "add", path: "/spec/updateStrategy/type", value: "OnDelete" }
      : { op: "add", path: "/spec/updateStrategy", value: { type: "OnDelete" } },
  );
  return ops;
}

function partitionOps(obj: Workload): JsonPatchOperation[] {
  const strategy = obj.spec?.updateStrategy;
  if (strategy?.rollingUpdate?.partition === holdPartition) return [];
  if (!strategy)
    return [
      {
        op: "add",
        path: "/spec/updateStrategy",
        value: { type: "RollingUpdate", rollingUpdate: { partition: holdPartition } },
      },
    ];
  if (!strategy.rollingUpdate)
    return [{ op: "add", path: "/spec/updateStrategy/rollingUpdate", value: { partition: holdPartition } }];
  return [{ op: "add", path: "/spec/updateStrategy/rollingUpdate/partition", value: holdPartition }];
}

/**
 * Whether a decision that holds nothing may rest on a view that is behind the apiserver: an
 * effective change to a workload for which the view shows no governing Rollout or, for a
 * Deployment, none of its ReplicaSets. A replica's informers can lag (it has just started, a
 * watch is being re-established), and a missed hold lets the workload's own controller replace
 * pods behind the Rollout's back; the caller then decides again on a fresh read. The objectSelector
 * only sends workloads a Rollout has labelled, so this costs a read only when one is needed.
 */
export function viewMayBeBehind(request: AdmissionRequest, ctx: HoldContext): boolean {
  if (request.operation !== "UPDATE" || request.subResource) return false;
  const newObj = (request.object ?? {}) as Workload;
  const oldObj = (request.oldObject ?? {}) as Workload;
  const { group, version, kind } = request.kind;
  const deployment = kind === "Deployment" && group === "apps";
  // These two decide from the workload alone once it is in a release, and never hold at zero replicas.
  if (deployment || kind === "StatefulSet") {
    if (newObj.spec?.replicas === 0 || newObj.metadata?.annotations?.[InProgressingAnnotation]) return false;
  }
  if (!isEffectiveChange(oldObj, newObj)) return false;
  const apiVersion = group ? `${group}/${version}` : version;
  if (!matchRollout(ctx.rollouts, apiVersion, kind, newObj.metadata?.name ?? "")) return true;
  if (!deployment) return false;
  const uid = newObj.metadata?.uid ?? oldObj.metadata?.uid;
  return !ctx.replicaSets.some((rs) => rs.replicas > 0 && (!uid || rs.ownerUid === uid));
}

/** The pure admission decision for a workload UPDATE. */
export function holdWorkload(request: AdmissionRequest, ctx: HoldContext): AdmissionDecision {
  if (request.operation !== "UPDATE" || request.subResource) return { allowed: true };
  const newObj = structuredClone((request.object ?? {}) as Workload);
  const oldObj = (request.oldObject ?? {}) as Workload;
  // Updates relayed by Karmada or OCM can arrive without a UID.
  const ops: JsonPatchOperation[] = [];
  if (newObj.metadata && !newObj.metadata.uid && oldObj.metadata?.uid) {
    ops.push({ op: "add", path: "/metadata/uid", value: oldObj.metadata.uid });
    newObj.metadata.uid = oldObj.metadata.uid;
  }
  const kind = request.kind.kind;
  if (kind === "Deployment" && request.kind.group === "apps")
    ops.push(...holdDeployment(newObj, oldObj, ctx));
  else if (kind === "StatefulSet") ops.push(...holdStatefulSet(newObj, oldObj, ctx));
  else if (kind === "CloneSet" && request.kind.group === "apps.kruise.io")
    ops.push(...holdCloneSet(newObj, oldObj, ctx));
  else if (kind === "DaemonSet" && (request.kind.group === "apps" || request.kind.group === "apps.kruise.io"))
    ops.push(...holdDaemonSet(newObj, oldObj, ctx, request.kind.group === "apps"));
  return ops.length > 0 ? { allowed: true, patch: ops } : { allowed: true };
}
