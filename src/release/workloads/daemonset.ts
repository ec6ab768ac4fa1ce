// DaemonSets (spec §4.9): OpenKruise's Advanced DaemonSet (apps.kruise.io/v1alpha1), held with a
// rolling-update partition, and the native apps/v1 DaemonSet (upstream master), held with
// OnDelete while our native-DaemonSet controller deletes old pods batch by batch. A DaemonSet's
// size is the number of nodes it should run on (`status.desiredNumberScheduled`), not a spec field.

import { controllerRevisionHashLabel, inProgressingAnnotation, podTemplateHashLabel } from "../keys.js";
import type { IntOrString, LabelSelector, Meta, Pod, PodTemplate } from "../model.js";
import { controllerOf, isReady, isTerminating, runsRevision } from "../pods.js";
import { revisionSuffix } from "./cloneset.js";
import { ownedPods } from "./statefulset.js";
import type { WorkloadState, WorkloadStatus } from "./workload-state.js";

/** Upstream master's native-DaemonSet annotations (spec §1.8). */
export const daemonSetRevisionAnnotation = "rollouts.kruise.io/daemonset-revision";
export const daemonSetAdvancedControlAnnotation = "rollouts.kruise.io/daemonset-advanced-control";
export const daemonSetOriginalStrategyAnnotation = "rollouts.kruise.io/daemonset-original-update-strategy";

/** Native and Advanced DaemonSets share these fields; `rollingUpdate.partition`/`paused` are Advanced only. */
export interface DaemonSet {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec: {
    selector?: LabelSelector;
    template: PodTemplate;
    updateStrategy?: {
      type?: string;
      rollingUpdate?: {
        maxUnavailable?: IntOrString;
        maxSurge?: IntOrString;
        partition?: number | null;
        paused?: boolean;
        [f: string]: unknown;
      } | null;
    };
    [f: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    updatedNumberScheduled?: number;
    /** Advanced DaemonSet only: the update revision. */
    daemonSetHash?: string;
  };
}

export interface ControllerRevision {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  revision: number;
}

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

export function isAdvancedDaemonSetKind(ref: { apiVersion: string; kind: string }): boolean {
  return ref.kind === "DaemonSet" && groupOf(ref.apiVersion) === "apps.kruise.io";
}

export function isNativeDaemonSetKind(ref: { apiVersion: string; kind: string }): boolean {
  return ref.kind === "DaemonSet" && groupOf(ref.apiVersion) === "apps";
}

/** The native-DaemonSet batch order: keep `partition` pods on the old revision, the rest on `batchRevision`. */
export interface AdvancedControl {
  partition: string;
  batchRevision: string;
}

/** Upstream ParseDaemonSetAdvancedControl: anything unreadable counts as absent. */
export function parseAdvancedControl(annotations: Record<string, string> | undefined): AdvancedControl {
  const raw = annotations?.[daemonSetAdvancedControlAnnotation];
  if (!raw) return { partition: "", batchRevision: "" };
  try {
    const info = JSON.parse(raw) as { partition?: unknown; "batch-revision"?: unknown };
    return {
      partition: typeof info.partition === "string" ? info.partition : "",
      batchRevision: typeof info["batch-revision"] === "string" ? info["batch-revision"] : "",
    };
  } catch {
    return { partition: "", batchRevision: "" };
  }
}

/** Byte-for-byte what upstream's json.Marshal writes (omitempty fields, in struct order). */
export function formatAdvancedControl(control: AdvancedControl): string {
  return JSON.stringify({
    ...(control.partition ? { partition: control.partition } : {}),
    ...(control.batchRevision ? { "batch-revision": control.batchRevision } : {}),
  });
}

function target(ds: DaemonSet, fallbackApiVersion: string) {
  return {
    apiVersion: ds.apiVersion ?? fallbackApiVersion,
    kind: ds.kind ?? "DaemonSet",
    ...(ds.metadata.namespace === undefined ? {} : { namespace: ds.metadata.namespace }),
    name: ds.metadata.name ?? "",
  };
}

/** Neither kind reports updated ready pods, so count the owned ones on `revision`. */
export function updatedReadyPods(ds: DaemonSet, pods: Pod[], revision: string): number {
  if (!revision) return 0;
  return ownedPods(ds, pods).filter(
    (p) => !isTerminating(p) && runsRevision(p.metadata.labels, revision) && isReady(p),
  ).length;
}

function baseStatus(ds: DaemonSet, pods: Pod[], updateRevision: string, stableRevision: string) {
  const s = ds.status ?? {};
  const status: WorkloadStatus = {
    replicas: s.desiredNumberScheduled ?? 0,
    readyReplicas: s.numberReady ?? 0,
    availableReplicas: s.numberAvailable ?? 0,
    updatedReplicas: s.updatedNumberScheduled ?? 0,
    updatedReadyReplicas: updatedReadyPods(ds, pods, updateRevision),
    observedGeneration: s.observedGeneration ?? 0,
    updateRevision,
    stableRevision,
  };
  return status;
}

/** Upstream getKruiseDaemonSet: no stable revision and no rollback detection. */
export function advancedDaemonSetState(ds: DaemonSet, pods: Pod[]): WorkloadState {
  const updateRevision = ds.status?.daemonSetHash ?? "";
  const status = baseStatus(ds, pods, updateRevision, "");
  const annotations = ds.metadata.annotations ?? {};
  const generation = ds.metadata.generation ?? 0;
  const canaryRevision = revisionSuffix(updateRevision);
  return {
    target: target(ds, "apps.kruise.io/v1alpha1"),
    uid: ds.metadata.uid ?? "",
    ...(ds.metadata.resourceVersion === undefined ? {} : { resourceVersion: ds.metadata.resourceVersion }),
    generation,
    labels: ds.metadata.labels ?? {},
    annotations,
    replicas: status.replicas,
    status,
    revisions: {
      consistent: status.observedGeneration === generation,
      stableRevision: "",
      canaryRevision,
      podTemplateHash: canaryRevision,
      revisionLabelKey: podTemplateHashLabel,
      inRolloutProgressing: inProgressingAnnotation in annotations,
      isInRollback: false,
    },
  };
}

/** The DaemonSet's own ControllerRevisions, newest (highest revision number) first. */
export function ownedRevisions(ds: DaemonSet, revisions: ControllerRevision[]): ControllerRevision[] {
  const uid = ds.metadata.uid;
  return revisions
    .filter((r) => uid !== undefined && controllerOf(r)?.uid === uid)
    .sort((a, b) => b.revision - a.revision);
}

/**
 * Upstream getNativeDaemonSet: only while a release is in progress, the newest ControllerRevision
 * is the canary and the one before it the stable revision (the same when there is only one, which
 * upstream reads as a rollback). Upstream also copies them into the `daemonset-revision`
 * annotation and reads the BatchRelease's revisions from there; we derive them directly.
 */
export function nativeDaemonSetState(
  ds: DaemonSet,
  revisions: ControllerRevision[],
  pods: Pod[],
): WorkloadState {
  const annotations = ds.metadata.annotations ?? {};
  const inRolloutProgressing = inProgressingAnnotation in annotations;
  const [newest, previous] = inRolloutProgressing ? ownedRevisions(ds, revisions) : [];
  const canaryRevision = newest?.metadata.labels?.[controllerRevisionHashLabel] ?? "";
  const stableRevision = previous
    ? (previous.metadata.labels?.[controllerRevisionHashLabel] ?? "")
    : canaryRevision;
  const status = baseStatus(ds, pods, canaryRevision, stableRevision);
  const generation = ds.metadata.generation ?? 0;
  return {
    target: target(ds, "apps/v1"),
    uid: ds.metadata.uid ?? "",
    ...(ds.metadata.resourceVersion === undefined ? {} : { resourceVersion: ds.metadata.resourceVersion }),
    generation,
    labels: ds.metadata.labels ?? {},
    annotations,
    replicas: status.replicas,
    status,
    revisions: {
      consistent: status.observedGeneration === generation,
      stableRevision,
      canaryRevision,
      podTemplateHash: canaryRevision,
      revisionLabelKey: controllerRevisionHashLabel,
      inRolloutProgressing,
      isInRollback: stableRevision !== "" && stableRevision === canaryRevision,
    },
  };
}
