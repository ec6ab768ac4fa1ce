import { z } from "zod";

// Turns zod's JSON Schema into a Kubernetes *structural* OpenAPI v3 schema: every node typed,
// no $schema / additionalProperties:false / propertyNames, int-or-string as controller-gen writes
// it, integer widths as `format`, nullable unions folded, and ObjectMeta left to the apiserver.

export type JSONSchemaProps = { [key: string]: unknown };

const INT32 = [-2147483648, 2147483647];
const INT64 = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

const isObject = (v: unknown): v is JSONSchemaProps =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function integerFormat(node: JSONSchemaProps): void {
  if (node.type !== "integer") return;
  for (const [format, [min, max]] of [
    ["int32", INT32],
    ["int64", INT64],
  ] as const) {
    if (node.minimum === min && node.maximum === max) {
      delete node.minimum;
      delete node.maximum;
      node.format = format;
    }
  }
}

// `T | null` comes out of zod as anyOf [T, {type: null}] or as `nullable` already (openapi-3.0).
function foldNullable(node: JSONSchemaProps): JSONSchemaProps {
  const anyOf = node.anyOf;
  if (!Array.isArray(anyOf)) return node;
  const rest = anyOf.filter((s) => !(isObject(s) && s.type === "null"));
  if (rest.length === anyOf.length || rest.length !== 1) return node;
  const { anyOf: _dropped, ...others } = node;
  return { ...others, ...(rest[0] as JSONSchemaProps), nullable: true };
}

function clean(input: JSONSchemaProps, path: string[]): JSONSchemaProps {
  const node = foldNullable({ ...input });
  delete node.$schema;
  delete node.propertyNames;
  delete node.id;
  if (node.additionalProperties === false || (isObject(node.additionalProperties) && node.properties)) {
    // Structural schemas may not combine properties with additionalProperties; unknown fields are
    // pruned by the apiserver anyway.
    delete node.additionalProperties;
  }
  if (isObject(node.additionalProperties) && Object.keys(node.additionalProperties).length === 0) {
    delete node.additionalProperties;
  }
  if (path.length === 1 && path[0] === "metadata") return { type: "object" };
  integerFormat(node);
  if (node["x-kubernetes-int-or-string"] === true) {
    // controller-gen emits exactly this: bare typed alternatives, no bounds.
    return { ...omit(node, ["anyOf", "type"]), anyOf: [{ type: "integer" }, { type: "string" }] };
  }
  if (isObject(node.properties)) {
    node.properties = Object.fromEntries(
      Object.entries(node.properties).map(([k, v]) => [k, clean(v as JSONSchemaProps, [...path, k])]),
    );
  }
  if (isObject(node.items)) node.items = clean(node.items, [...path, "[]"]);
  if (isObject(node.additionalProperties)) node.additionalProperties = clean(node.additionalProperties, path);
  return node;
}

function omit(node: JSONSchemaProps, keys: string[]): JSONSchemaProps {
  return Object.fromEntries(Object.entries(node).filter(([k]) => !keys.includes(k)));
}

/** The structural OpenAPI v3 schema of a top-level kind schema (input view: defaulted fields optional). */
export function toStructuralSchema(schema: z.ZodType): JSONSchemaProps {
  const json = z.toJSONSchema(schema, { io: "input", target: "openapi-3.0", unrepresentable: "throw" });
  return clean(json as JSONSchemaProps, []);
}
