import { isDeepStrictEqual } from "node:util";

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
