import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ObjectCache, stripManagedFields } from "../../../src/kube/cache.js";
import type { KubeObject } from "../../../src/kube/object.js";

const pod = (name: string, resourceVersion: string, namespace = "ns"): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace, resourceVersion, managedFields: [{ manager: "kubectl" }] },
});

describe("ObjectCache", () => {
  it("caches objects without managedFields and leaves the input untouched", () => {
    const cache = new ObjectCache();
    const input = pod("a", "1");
    expect(cache.upsert(input)).toMatchObject({ type: "add" });
    expect(cache.get("ns/a")?.metadata).toEqual({ name: "a", namespace: "ns", resourceVersion: "1" });
    expect(input.metadata?.managedFields).toHaveLength(1);
    expect(stripManagedFields(input).metadata?.managedFields).toBeUndefined();
  });

  it("reports an update with the old object only when the resourceVersion changed", () => {
    const cache = new ObjectCache();
    cache.upsert(pod("a", "1"));
    expect(cache.upsert(pod("a", "1"))).toBeUndefined();
    const change = cache.upsert(pod("a", "2"));
    expect(change?.type).toBe("update");
    if (change?.type === "update") {
      expect(change.old.metadata?.resourceVersion).toBe("1");
      expect(change.object.metadata?.resourceVersion).toBe("2");
    }
  });

  it("turns a re-list into the add, update and delete events of the gap", () => {
    const cache = new ObjectCache();
    cache.replace([pod("same", "1"), pod("changed", "1"), pod("gone", "1")]);
    const changes = cache.replace([pod("same", "1"), pod("changed", "5"), pod("new", "6")]);
    const summary = changes.map((c) => `${c.type} ${c.object.metadata?.name}`).sort();
    expect(summary).toEqual(["add new", "delete gone", "update changed"]);
    expect(cache.size).toBe(3);
    expect(cache.get("ns/gone")).toBeUndefined();
  });

  it("lists by namespace and keys cluster-scoped objects by name", () => {
    const cache = new ObjectCache();
    cache.replace([pod("a", "1", "x"), pod("b", "1", "y")]);
    cache.upsert({ kind: "Namespace", metadata: { name: "x", resourceVersion: "1" } });
    expect(cache.list("x").map((o) => o.metadata?.name)).toEqual(["a"]);
    expect(cache.list()).toHaveLength(3);
    expect(cache.get("x")?.kind).toBe("Namespace");
  });

  it("reports a delete only for objects it knew, and applies the transform", () => {
    const cache = new ObjectCache<KubeObject & { spec?: unknown }>((o) => ({ ...o, spec: undefined }));
    expect(cache.remove(pod("unknown", "1"))).toBeUndefined();
    cache.upsert({ ...pod("a", "1"), spec: { big: true } });
    expect(cache.get("ns/a")?.spec).toBeUndefined();
    expect(cache.remove(pod("a", "2"))?.type).toBe("delete");
    expect(cache.size).toBe(0);
  });

  it("lists a namespace exactly as filtering every object would, in the same order", () => {
    const name = fc.constantFrom("a", "b", "c");
    const namespace = fc.constantFrom("x", "y", undefined);
    const object = fc
      .record({ name, namespace, rv: fc.constantFrom("1", "2") })
      // No namespace: a cluster-scoped object, which no namespace lists.
      .map(({ name, namespace, rv }): KubeObject => ({ metadata: { name, namespace, resourceVersion: rv } }));
    const op = fc.oneof(
      object.map((o) => ({ kind: "upsert" as const, objects: [o] })),
      object.map((o) => ({ kind: "remove" as const, objects: [o] })),
      fc.array(object, { maxLength: 5 }).map((objects) => ({ kind: "replace" as const, objects })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const cache = new ObjectCache();
        for (const { kind, objects } of ops) {
          if (kind === "upsert") cache.upsert(objects[0] as KubeObject);
          else if (kind === "remove") cache.remove(objects[0] as KubeObject);
          else cache.replace(objects);
          for (const ns of ["x", "y", ""]) {
            const filtered = cache.list().filter((o) => o.metadata?.namespace === ns);
            expect(cache.list(ns)).toEqual(filtered);
          }
        }
      }),
    );
  });
});
