// Kubernetes IntOrString scaling (apimachinery GetScaledValueFromIntOrPercent). Upstream ignores
// the error for malformed values and uses 0, so we do the same instead of throwing.

import type { IntOrString } from "./model.js";

export function isPercent(value: IntOrString | null | undefined): value is string {
  return typeof value === "string";
}

/** Resolves `value` against `total`; percentages round up or down as asked. Malformed ⇒ 0. */
export function scaledValue(value: IntOrString | null | undefined, total: number, roundUp: boolean): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : 0;
  const match = /^(-?\d+)%$/.exec(value);
  if (!match) return 0;
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
