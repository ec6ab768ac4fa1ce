// The informer's local copy of one resource, read by observe() instead of the API server.
// It holds only what we need: managedFields (often the largest part of an object and never read
// by a controller) are dropped, and an optional transform can trim further. Pure: the informer
// feeds it, and `replace` tells it what a re-list changed so the gap becomes ordinary events.
import { type KubeObject, objectKey } from "./object.js";

export type CacheChange<T extends KubeObject> =
  | { type: "add"; object: T }
  | { type: "update"; old: T; object: T }
  | { type: "delete"; object: T };

export type Transform<T extends KubeObject> = (object: T) => T;

/** Drops metadata.managedFields without touching the caller's object. */
export function stripManagedFields<T extends KubeObject>(object: T): T {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

export interface ReadonlyCache<T extends KubeObject> {
  get(key: string): T | undefined;
  /** Every object, or those of one namespace. */
  list(namespace?: string): T[];
  readonly size: number;
}

export class ObjectCache<T extends KubeObject> implements ReadonlyCache<T> {
  private readonly objects = new Map<string, T>();
  /**
   * The same objects by namespace. list(namespace) runs on every watch event and every
   * reconcile; scanning every namespace's objects there made a 1000-Rollout fleet cost
   * CPU quadratic in its size.
   */
  private readonly byNamespace = new Map<string, Map<string, T>>();

  constructor(private readonly transform: Transform<T> = (o) => o) {}

  get size(): number {
    return this.objects.size;
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.objects.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  /** Stores an added or modified object; returns the change, or nothing if this version is known. */
  upsert(incoming: T): CacheChange<T> | undefined {
    const object = this.transform(stripManagedFields(incoming));
    const key = objectKey(object);
    const old = this.objects.get(key);
    this.store(key, object);
    if (!old) return { type: "add", object };
    if (sameVersion(old, object)) return undefined;
    return { type: "update", old, object };
  }

  /** Forgets a deleted object; returns the change with the last state we knew, if we knew it. */
  remove(incoming: T): CacheChange<T> | undefined {
    const key = objectKey(incoming);
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.forget(key, old);
    return { type: "delete", object: this.transform(stripManagedFields(incoming)) };
  }

  /**
   * Replaces the contents with a fresh list, returning what happened in between: objects that
   * appeared, changed (by resourceVersion) or vanished while we were not watching.
   */
  replace(items: T[]): CacheChange<T>[] {
    const changes: CacheChange<T>[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(objectKey(item));
      const change = this.upsert(item);
      if (change) changes.push(change);
    }
    for (const [key, object] of this.objects) {
      if (seen.has(key)) continue;
      this.forget(key, object);
      changes.push({ type: "delete", object });
    }
    return changes;
  }

  private store(key: string, object: T): void {
    this.objects.set(key, object);
    const namespace = object.metadata?.namespace;
    if (namespace === undefined) return;
    let inNamespace = this.byNamespace.get(namespace);
    if (!inNamespace) {
      inNamespace = new Map();
      this.byNamespace.set(namespace, inNamespace);
    }
    inNamespace.set(key, object);
  }

  private forget(key: string, object: T): void {
    this.objects.delete(key);
    const namespace = object.metadata?.namespace;
    if (namespace === undefined) return;
    const inNamespace = this.byNamespace.get(namespace);
    inNamespace?.delete(key);
    if (inNamespace?.size === 0) this.byNamespace.delete(namespace);
  }
}

function sameVersion(a: KubeObject, b: KubeObject): boolean {
  const version = a.metadata?.resourceVersion;
  return version !== undefined && version === b.metadata?.resourceVersion;
}
