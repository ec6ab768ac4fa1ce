import { isDeepStrictEqual } from "node:util";
import type { KubeClient } from "../kube/client.js";
import { type ResourceRef, resourcePath } from "../kube/resource.js";

/**
 * A JSON merge patch that turns `from` into `to`: changed fields are set, removed
 * fields become null, nested objects are diffed, arrays are replaced whole. Writing
 * only what a plan changed keeps concurrent writers (kubectl-kruise approve, vela
 * workflow resume) from being overwritten by a stale copy.
 */
export function mergePatchBetween(from: unknown, to: unknown): Record<string, unknown> | undefined {
  if (isDeepStrictEqual(from, to)) return undefined;
  const a = (isObject(from) ? from : {}) as Record<string, unknown>;
  const b = (isObject(to) ? to : {}) as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const before = a[key];
    const after = b[key];
    if (isDeepStrictEqual(before, after)) continue;
    if (after === undefined) patch[key] = null;
    else if (isObject(before) && isObject(after)) patch[key] = mergePatchBetween(before, after) ?? {};
    else patch[key] = after;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

interface Observed {
  metadata: { namespace?: string; name?: string; resourceVersion?: string };
  status?: unknown;
}

/**
 * Writes the fields of `desired` that differ from the observed status, as a merge patch
 * of the status subresource guarded by the observed resourceVersion. Returns whether
 * anything was written; a concurrent writer makes it fail with a conflict.
 */
export async function writeStatus(
  client: KubeClient,
  resource: ResourceRef,
  observed: Observed,
  desired: unknown,
): Promise<boolean> {
  const patch = mergePatchBetween(observed.status ?? {}, desired);
  if (!patch) return false;
  const { namespace, name, resourceVersion } = observed.metadata;
  await client.request({
    method: "PATCH",
    path: resourcePath(resource, {
      ...(namespace ? { namespace } : {}),
      ...(name ? { name } : {}),
      subresource: "status",
    }),
    contentType: "application/merge-patch+json",
    body: { metadata: { resourceVersion }, status: patch },
  });
  return true;
}
