import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/resource.js";
import type { ReplicaSet } from "../release/model.js";
import type { Action } from "../rollout/action.js";
import type { Rollout } from "../rollout/model.js";
import type { Caches } from "./caches.js";

// The write that rolls an aborted workload back: its pod template set to the stable revision's,
// as `kubectl rollout undo` does — from the stable ReplicaSet for a Deployment, from the stable
// ControllerRevision for a StatefulSet. Guarded by the workload's resourceVersion, so an edit
// made meanwhile (a newer release) is never overwritten.

const podTemplateHash = "pod-template-hash";

export async function revertToStable(
  client: KubeClient,
  caches: Caches,
  rollout: Rollout,
): Promise<{ action?: Action; error?: string }> {
  const ref = rollout.spec.workloadRef;
  const namespace = rollout.metadata.namespace;
  const stable = rollout.status?.canaryStatus?.stableRevision;
  if (!stable) return { error: "the stable revision is not known" };
  const target = { apiVersion: ref.apiVersion, kind: ref.kind, namespace, name: ref.name };
  if (ref.apiVersion === "apps/v1" && ref.kind === "Deployment") {
    const deployment = caches.deployments.cache.get(`${namespace}/${ref.name}`);
    const rs = (caches.replicaSets.cache.list(namespace) as ReplicaSet[]).find(
      (r) =>
        r.metadata.labels?.[podTemplateHash] === stable &&
        r.metadata.ownerReferences?.some((o) => o.kind === "Deployment" && o.name === ref.name),
    );
    if (!deployment || !rs) return { error: `ReplicaSet of stable revision ${stable} not found` };
    const template = structuredClone(rs.spec.template) as { metadata?: { labels?: Record<string, string> } };
    delete template.metadata?.labels?.[podTemplateHash];
    return {
      action: {
        kind: "patch",
        target,
        patchType: "json",
        patch: [{ op: "replace", path: "/spec/template", value: template }],
        precondition: { resourceVersion: deployment.metadata.resourceVersion ?? "" },
      },
    };
  }
  if (ref.apiVersion === "apps/v1" && ref.kind === "StatefulSet") {
    const set = caches.statefulSets.cache.get(`${namespace}/${ref.name}`);
    try {
      const revision = await client.request<{ data?: Record<string, unknown> }>({
        method: "GET",
        path: resourcePath(
          { group: "apps", version: "v1", plural: "controllerrevisions" },
          { namespace, name: stable },
        ),
      });
      if (!set || !revision.data) return { error: `ControllerRevision ${stable} has no data` };
      // The revision's data is a strategic merge patch of the template ("$patch": "replace").
      return {
        action: {
          kind: "patch",
          target,
          patchType: "strategic",
          patch: revision.data,
          precondition: { resourceVersion: set.metadata.resourceVersion ?? "" },
        },
      };
    } catch (err) {
      if (isNotFound(err)) return { error: `ControllerRevision ${stable} not found` };
      throw err;
    }
  }
  return { error: `rolling a ${ref.kind} back automatically is not supported` };
}
