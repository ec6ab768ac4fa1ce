// JSON helpers matching what upstream compares and writes with Go's encoding/json: object keys
// sorted, `undefined` dropped, and <, >, & escaped as \u003c, \u003e, \u0026.

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) sorted[key] = sortKeys(field);
  }
  return sorted;
}

/** Byte-for-byte what Go's json.Marshal writes for the same maps and slices. */
export function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value) ?? null)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

/** Structural equality of JSON values, ignoring key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return goJson(a) === goJson(b);
}
