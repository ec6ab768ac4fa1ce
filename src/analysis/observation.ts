import type { Observation } from "./model.js";

// Turning what a provider selected into an observation is pure and shared by the providers:
// nothing (an empty vector, no JSONPath match), null and NaN are "no data". NaN is what a ratio
// such as errors/requests gives when there is no traffic, the most common "no data" of all.

const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));

/** One value stays a scalar, several become a list: conditions read `result` or `result[0]`. */
export function fromValues(values: unknown[], what: string): Observation {
  const present = values.filter((v) => !isMissing(v));
  if (present.length === 0) {
    return {
      kind: "noData",
      detail: values.length === 0 ? `${what} returned nothing` : `${what} returned only NaN or null`,
    };
  }
  return { kind: "value", value: present.length === 1 ? present[0] : present };
}

export function errorText(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return "timed out";
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message}: ${cause}` : String(e?.message ?? err);
}
