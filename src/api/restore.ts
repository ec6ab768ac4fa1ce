import { isJsonObject, type Json, jsonEqual } from "./json.js";

// Field-level "restores" that make a lossy conversion lossless. Converting A to B, we compute what
// converting B straight back would get wrong, as a list of `{path, from, to}`: at `path`, the naive
// reverse conversion produces `from`, the original had `to` (either may be absent). Applying them is
// compare-and-set: a restore only fires while the field still holds `from`, so an edit made through
// the other version (e.g. a new weight) wins over the stored original.

export type PathSegment = string | number;

export interface Restore {
  path: PathSegment[];
  from?: Json;
  to?: Json;
}

/**
 * The restores that turn `from` into `to`. Arrays of equal length are compared element by element.
 * An object that exists on one side only is restored key by key, with the container created first
 * or removed last (only while empty): a key another writer adds to it later (the controller's hash
 * annotation to a Rollout written without annotations, say) then leaves the other restores intact.
 */
export function diffRestores(
  from: Json | undefined,
  to: Json | undefined,
  path: PathSegment[] = [],
): Restore[] {
  if (jsonEqual(from, to)) return [];
  if (isJsonObject(from) && isJsonObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return keys.flatMap((k) => diffRestores(from[k], to[k], [...path, k]));
  }
  if (path.length > 0 && isJsonObject(from) && to === undefined) {
    return [...diffRestores(from, {}, path), { path, from: {} }];
  }
  if (path.length > 0 && from === undefined && isJsonObject(to)) {
    return [{ path, to: {} }, ...diffRestores({}, to, path)];
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return from.flatMap((item, i) => diffRestores(item, to[i], [...path, i]));
  }
  return [{ path, ...(from !== undefined && { from }), ...(to !== undefined && { to }) }];
}

/** Applies restores in place (the root itself is never replaced) and returns the target. */
export function applyRestores<T extends Json>(target: T, restores: Restore[]): T {
  for (const { path, from, to } of restores) {
    const parentPath = path.slice(0, -1);
    const key = path[path.length - 1];
    if (key === undefined) continue;
    let parent: Json | undefined = target;
    for (const segment of parentPath) parent = child(parent, segment);
    if (typeof key === "number" ? !Array.isArray(parent) || key >= parent.length : !isJsonObject(parent))
      continue;
    const container = parent as Record<PathSegment, Json>;
    if (!jsonEqual(container[key], from)) continue;
    if (to === undefined) delete container[key];
    else container[key] = to;
  }
  return target;
}

function child(node: Json | undefined, segment: PathSegment): Json | undefined {
  if (typeof segment === "number") return Array.isArray(node) ? node[segment] : undefined;
  return isJsonObject(node) ? node[segment] : undefined;
}

/** The annotation form: compact JSON. */
export const encodeRestores = (restores: Restore[]): string => JSON.stringify(restores);

/** Reads an annotation written by `encodeRestores`; anything unreadable restores nothing. */
export function decodeRestores(text: string | undefined): Restore[] {
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter(isRestore) : [];
  } catch {
    return [];
  }
}

function isRestore(value: unknown): value is Restore {
  return (
    isJsonObject(value) &&
    Array.isArray(value.path) &&
    value.path.every((s) => typeof s === "string" || typeof s === "number")
  );
}
