import { paramTokenPattern } from "./handlebars-env.js";

/**
 * Writes a JSON-like value as CUE, turning parameter tokens into references: a string that is exactly
 * one token becomes `parameter.x` (keeping its type, e.g. replicas stays an int), a string that
 * contains tokens becomes an interpolation.
 */
export function toCue(value: unknown, indent = ""): string {
  if (typeof value === "string") return stringToCue(value);
  if (value === null || typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  const inner = `${indent}\t`;
  if (Array.isArray(value)) {
    // Lists of scalars (RBAC verbs, resources) stay on one line, as in the templates.
    if (value.every((v) => v === null || typeof v !== "object"))
      return `[${value.map((v) => toCue(v)).join(", ")}]`;
    return `[\n${value.map((v) => `${inner}${toCue(v, inner)},`).join("\n")}\n${indent}]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    const fields = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toCue(v, inner)}`);
    return `{\n${fields.join("\n")}\n${indent}}`;
  }
  throw new Error(`cannot write ${typeof value} as CUE`);
}

function stringToCue(text: string): string {
  const whole = new RegExp(`^${paramTokenPattern.source}$`).exec(text);
  if (whole) return `parameter.${whole[1]}`;
  // JSON string escapes are valid CUE; `\(` is CUE's interpolation and cannot come out of JSON.stringify.
  return JSON.stringify(text).replace(paramTokenPattern, (_, name: string) => `\\(parameter.${name})`);
}
