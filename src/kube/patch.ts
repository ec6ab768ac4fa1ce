// Writes that change only what a plan changed, never a whole object or a whole status: a
// whole-status write is how upstream loses an approval that lands mid-reconcile. Each write can be
// guarded by the resourceVersion the plan was made from, so a concurrent change (an approval,
// a user edit) makes the write fail with a 409 Conflict (`isConflict`) instead of being silently
// overwritten.
import { ApiError } from "./api-error.js";
import type { KubeClient } from "./client.js";
import type { KubeObject } from "./object.js";
import { type ResourceRef, resourcePath } from "./resource.js";

export const fieldManager = "kruise-rollout-ts";

export interface ObjectRef {
  resource: ResourceRef;
  namespace?: string;
  name: string;
}

export interface PatchOptions {
  /** Patch the status subresource instead of the object (spec and metadata are then ignored). */
  subresource?: "status";
  /** Fail with a conflict unless the object is still at this resourceVersion. */
  resourceVersion?: string;
}

export type JsonPatchOperation =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

export type MergePatch = { [field: string]: unknown };

/**
 * A JSON merge patch (RFC 7386) carrying the resourceVersion precondition: the apiserver applies
 * the patch, then updates with that resourceVersion, and answers 409 if the object moved on.
 */
export function guardedMergePatch(patch: MergePatch, resourceVersion?: string): MergePatch {
  if (resourceVersion === undefined) return patch;
  const metadata = (patch.metadata ?? {}) as MergePatch;
  return { ...patch, metadata: { ...metadata, resourceVersion } };
}

/**
 * A JSON patch (RFC 6902) that first tests the resourceVersion: a stale one fails the whole patch
 * atomically before any operation applies.
 */
export function guardedJsonPatch(ops: JsonPatchOperation[], resourceVersion?: string): JsonPatchOperation[] {
  if (resourceVersion === undefined) return ops;
  return [{ op: "test", path: "/metadata/resourceVersion", value: resourceVersion }, ...ops];
}

/** Escapes one JSON-pointer segment, e.g. a label key such as "rollouts.kruise.io/rollout-id". */
export function pointerSegment(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

export function mergePatch<T extends KubeObject>(
  client: KubeClient,
  ref: ObjectRef,
  patch: MergePatch,
  options: PatchOptions = {},
): Promise<T> {
  return send<T>(
    client,
    ref,
    "application/merge-patch+json",
    guardedMergePatch(patch, options.resourceVersion),
    options,
  );
}

/**
 * Sends a JSON patch. When guarded, a failed `test` comes back from the apiserver as a bare 422
 * ("the server rejected our request…", no causes), the same answer as an operation on a missing
 * path; one GET tells them apart, and a moved resourceVersion is reported as the 409 Conflict it
 * really is, so callers handle both guard styles alike.
 */
export async function jsonPatch<T extends KubeObject>(
  client: KubeClient,
  ref: ObjectRef,
  ops: JsonPatchOperation[],
  options: PatchOptions = {},
): Promise<T> {
  const { resourceVersion } = options;
  try {
    return await send<T>(
      client,
      ref,
      "application/json-patch+json",
      guardedJsonPatch(ops, resourceVersion),
      options,
    );
  } catch (error) {
    if (resourceVersion === undefined || !(error instanceof ApiError) || error.code !== 422) throw error;
    const current = await client.request<KubeObject>({ method: "GET", path: objectPath(ref) });
    const now = current.metadata?.resourceVersion;
    if (now === resourceVersion) throw error;
    throw new ApiError(409, {
      kind: "Status",
      status: "Failure",
      reason: "Conflict",
      code: 409,
      message: `${ref.name} changed: resourceVersion is ${now}, the patch expected ${resourceVersion}`,
    });
  }
}

function objectPath(ref: ObjectRef, subresource?: string): string {
  return resourcePath(ref.resource, {
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(subresource ? { subresource } : {}),
  });
}

function send<T>(
  client: KubeClient,
  ref: ObjectRef,
  contentType: string,
  body: unknown,
  options: PatchOptions,
): Promise<T> {
  return client.request<T>({
    method: "PATCH",
    path: objectPath(ref, options.subresource),
    query: { fieldManager },
    body,
    contentType,
  });
}
