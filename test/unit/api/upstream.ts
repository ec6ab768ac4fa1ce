import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

// Upstream's CRDs (v0.6.2), read from the shared reference directory next to the repository; used
// for comparison only.

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const upstreamDir = join(repoRoot, "..", "shared", "crds", "kruise-rollout-upstream");

export type Schema = { [key: string]: unknown };

export interface UpstreamCrd {
  metadata: { name: string };
  spec: {
    names: Schema;
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns?: Schema[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

export function upstreamCrd(file: string): UpstreamCrd {
  return parse(readFileSync(join(upstreamDir, file), "utf8")) as UpstreamCrd;
}

/** Every field path of a schema with its type (`int-or-string` for the union). */
export function fieldTypes(schema: Schema, path = ""): Map<string, string> {
  const out = new Map<string, string>();
  const type = schema["x-kubernetes-int-or-string"] ? "int-or-string" : String(schema.type);
  out.set(path || ".", type);
  const props = schema.properties as Record<string, Schema> | undefined;
  for (const [k, v] of Object.entries(props ?? {}))
    for (const [p, t] of fieldTypes(v, `${path}.${k}`)) out.set(p, t);
  if (schema.items) for (const [p, t] of fieldTypes(schema.items as Schema, `${path}[]`)) out.set(p, t);
  return out;
}
