// A workload's revision history, read the way `kubectl rollout history|undo` reads it:
// ReplicaSets of a Deployment, ControllerRevisions of a StatefulSet, each owned by the workload.
import {
  deploymentRevisionAnnotation,
  deploymentRevisionHistoryAnnotation,
  desiredReplicasAnnotation,
  lastAppliedConfigAnnotation,
  maxReplicasAnnotation,
  podTemplateHashLabel,
} from "../release/keys.js";
import type { Rollout } from "../rollout/model.js";
import { type Cluster, selectorString, type Workload } from "./cluster.js";

export interface Revision {
  revision: number;
  /** pod-template-hash (Deployment) or ControllerRevision name (StatefulSet): what status.*Revision holds. */
  hash: string;
  images: string[];
  /** How to bring the workload back to this revision. */
  write: { contentType: string; patch: unknown };
}

interface Owned {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { uid: string; controller?: boolean }[];
  };
}
interface ReplicaSet extends Owned {
  spec: { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } };
}
interface ControllerRevision extends Owned {
  revision: number;
  data?: { spec?: { template?: { spec?: PodSpec } } };
}
interface PodSpec {
  containers?: { image?: string }[];
}

// kubectl's annotationsToSkip: bookkeeping of the Deployment controller and kubectl itself.
const skippedAnnotations = new Set([
  lastAppliedConfigAnnotation,
  deploymentRevisionAnnotation,
  deploymentRevisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  "deprecated.deployment.rollback.to",
]);

const ownedBy = (uid: string | undefined) => (o: Owned) =>
  uid !== undefined && (o.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === uid);
const imagesOf = (spec: PodSpec | undefined) => (spec?.containers ?? []).map((c) => c.image ?? "");

/** Oldest first. Kinds other than Deployment and StatefulSet have no history we can read. */
export async function revisions(cluster: Cluster, rollout: Rollout, workload: Workload): Promise<Revision[]> {
  const selector = selectorString(workload.spec.selector?.matchLabels);
  const kind = rollout.spec.workloadRef.kind;
  if (kind === "Deployment") {
    const sets = await cluster.list<ReplicaSet>("apps/v1", "ReplicaSet", selector);
    return sets
      .filter(ownedBy(workload.metadata.uid))
      .map((rs) => deploymentRevision(rs, workload))
      .sort((a, b) => a.revision - b.revision);
  }
  if (kind === "StatefulSet") {
    const list = await cluster.list<ControllerRevision>("apps/v1", "ControllerRevision", selector);
    return list
      .filter(ownedBy(workload.metadata.uid))
      .map((cr) => ({
        revision: cr.revision,
        hash: cr.metadata.name,
        images: imagesOf(cr.data?.spec?.template?.spec),
        // kubectl applies the stored patch as is; it replaces the whole template.
        write: { contentType: "application/strategic-merge-patch+json", patch: cr.data ?? {} },
      }))
      .sort((a, b) => a.revision - b.revision);
  }
  return [];
}

/** kubectl's Deployment rollback: replace the template and carry the ReplicaSet's annotations over. */
function deploymentRevision(rs: ReplicaSet, workload: Workload): Revision {
  const template = structuredClone(rs.spec.template ?? {});
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[podTemplateHashLabel];
  template.metadata = { ...template.metadata, labels };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(workload.metadata.annotations ?? {}))
    if (skippedAnnotations.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {}))
    if (!skippedAnnotations.has(k)) annotations[k] = v;
  return {
    revision: Number(rs.metadata.annotations?.[deploymentRevisionAnnotation] ?? 0),
    hash: rs.metadata.labels?.[podTemplateHashLabel] ?? "",
    images: imagesOf(template.spec),
    write: {
      contentType: "application/json-patch+json",
      patch: [
        { op: "replace", path: "/spec/template", value: template },
        { op: "replace", path: "/metadata/annotations", value: annotations },
      ],
    },
  };
}
