import { z } from "zod";

// Kubernetes `intstr.IntOrString`: `replicas: 1` or `replicas: "20%"`. The CRD generator keeps the
// anyOf and adds `x-kubernetes-int-or-string`, exactly as controller-gen emits it.
export const IntOrString = z.union([z.int32(), z.string()]).meta({ "x-kubernetes-int-or-string": true });
export type IntOrString = z.infer<typeof IntOrString>;

export function isPercent(value: IntOrString): value is string {
  return typeof value === "string";
}

/** Go's `strconv.Atoi`: optional sign then decimal digits, nothing else, within int64. */
export function atoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Go's `intstr.GetScaledValueFromIntOrPercent`: an int is returned as is; `"N%"` scales `total`,
 * rounding up or down. Returns undefined where Go returns an error (no `%`, or not a number).
 */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number | undefined {
  if (typeof value === "number") return value;
  if (!value.endsWith("%")) return undefined;
  const percent = atoi(value.slice(0, -1));
  if (percent === undefined) return undefined;
  const scaled = (percent * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
