import { ProgressingReason as UpstreamReason } from "../api/enums.js";
import type { Condition } from "./model.js";

export { ConditionType } from "../api/enums.js";

export const ProgressingReason = {
  ...UpstreamReason,
  /** Ours: a failed analysis or a missed progress deadline; traffic to stable, then the workload back. */
  Aborting: "Aborting",
} as const;

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Upstream's SetRolloutCondition: keep lastTransitionTime while the status does not
 * change, always bump lastUpdateTime.
 */
export function setCondition(conditions: Condition[] | undefined, next: Condition, now: Date): Condition[] {
  const list = conditions ? [...conditions] : [];
  const at = now.toISOString().replace(/\.\d+Z$/, "Z");
  const i = list.findIndex((c) => c.type === next.type);
  const previous = i >= 0 ? list[i] : undefined;
  const merged: Condition = {
    ...next,
    lastUpdateTime: at,
    lastTransitionTime:
      previous && previous.status === next.status ? (previous.lastTransitionTime ?? at) : at,
  };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

export function removeCondition(conditions: Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
