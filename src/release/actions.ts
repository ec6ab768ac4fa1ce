// What a planner asks the shell to do. Plain data, so planners stay pure and tests can compare
// them; the shell (act) executes them in order, each idempotent. Shared by the Rollout side.

import type { KubeObject } from "../kube/object.js";

export interface ActionTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export type PatchType = "merge" | "strategic" | "json";

export interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "test";
  path: string;
  value?: unknown;
}

export interface PatchAction {
  kind: "patch";
  target: ActionTarget;
  patchType: PatchType;
  /** A merge or strategic-merge document, or a JsonPatchOp[] for "json". */
  patch: unknown;
  /** Refuse the write when the object moved on since it was observed (optimistic concurrency). */
  precondition?: { resourceVersion: string };
  subresource?: "status";
}

export interface CreateAction {
  kind: "create";
  object: KubeObject;
}

export interface DeleteAction {
  kind: "delete";
  target: ActionTarget;
  precondition?: { resourceVersion?: string; uid?: string };
}

export interface EventAction {
  kind: "event";
  /** The object the event is about; absent means the object being reconciled. */
  regarding?: ActionTarget;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

export type Action = PatchAction | CreateAction | DeleteAction | EventAction;

export const actionKinds = ["patch", "create", "delete", "event"] as const;

/** Where an observed object lives, as an action target. */
export function targetOf(obj: KubeObject, fallback: { apiVersion: string; kind: string }): ActionTarget {
  const meta = obj.metadata ?? {};
  return {
    apiVersion: obj.apiVersion ?? fallback.apiVersion,
    kind: obj.kind ?? fallback.kind,
    ...(meta.namespace === undefined ? {} : { namespace: meta.namespace }),
    name: meta.name ?? "",
  };
}

export function patch(
  target: ActionTarget,
  patchType: PatchType,
  body: unknown,
  resourceVersion?: string,
): PatchAction {
  return {
    kind: "patch",
    target,
    patchType,
    patch: body,
    ...(resourceVersion ? { precondition: { resourceVersion } } : {}),
  };
}

/**
 * Drops one finalizer. A JSON patch with a `test` of the observed list, so a finalizer that
 * someone else added or removed meanwhile makes the write fail instead of being overwritten.
 */
export function removeFinalizer(target: ActionTarget, observed: string[], finalizer: string): PatchAction {
  const ops: JsonPatchOp[] = [
    { op: "test", path: "/metadata/finalizers", value: observed },
    { op: "replace", path: "/metadata/finalizers", value: observed.filter((f) => f !== finalizer) },
  ];
  return patch(target, "json", ops);
}
