// Our pod template hash. Upstream uses Kubernetes' ComputeHash: FNV-32a over a go-spew dump of
// the Go PodTemplateSpec struct, which depends on the compiled k8s.io/api version and cannot be
// reproduced from JSON. We hash canonical JSON (keys sorted, empty values dropped) with the same
// FNV-32a + collision count + "safe encode" steps instead. The values are therefore NOT
// byte-identical to Kubernetes' pod-template-hash (spec §4.10); they only need to agree with
// themselves. Every pod-template-hash we compare against comes from real ReplicaSet labels.

import { podTemplateHashLabel } from "./keys.js";
import type { PodTemplate } from "./model.js";

const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

export function templateHash(template: PodTemplate, collisionCount?: number | null): string {
  const bytes = [...new TextEncoder().encode(canonicalJson(template))];
  if (collisionCount !== undefined && collisionCount !== null) {
    const count = collisionCount >>> 0;
    bytes.push(count & 0xff, (count >>> 8) & 0xff, (count >>> 16) & 0xff, count >>> 24, 0, 0, 0, 0);
  }
  const decimal = String(fnv32a(bytes));
  return [...decimal].map((c) => safeAlphabet[c.charCodeAt(0) % safeAlphabet.length]).join("");
}

function fnv32a(bytes: number[]): number {
  let hash = 0x811c9dc5;
  for (const b of bytes) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * JSON with sorted keys, where absent, null, empty maps and empty lists are all the same, the
 * way a Go struct round-trip makes them the same. Without this, a cache copy and a defaulted
 * copy of one template would hash differently.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value)) ?? "null";
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize);
    return items.length === 0 ? undefined : items;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => [k, normalize((value as Record<string, unknown>)[k])] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value === null ? undefined : value;
}

/** The template with the given label and annotation keys removed (upstream EqualIgnoreSpecifyMetadata). */
export function withoutMetadataKeys(
  template: PodTemplate,
  labels: string[],
  annotations: string[] = [],
): PodTemplate {
  const meta = template.metadata ?? {};
  const strip = (map: Record<string, string> | undefined, keys: string[]) =>
    map ? Object.fromEntries(Object.entries(map).filter(([k]) => !keys.includes(k))) : map;
  return {
    ...template,
    metadata: {
      ...meta,
      labels: strip(meta.labels, labels),
      annotations: strip(meta.annotations, annotations),
    },
  };
}

/** Template equality ignoring the pod-template-hash label (upstream EqualIgnoreHash). */
export function sameTemplateIgnoringHash(a: PodTemplate, b: PodTemplate): boolean {
  return (
    canonicalJson(withoutMetadataKeys(a, [podTemplateHashLabel])) ===
    canonicalJson(withoutMetadataKeys(b, [podTemplateHashLabel]))
  );
}
