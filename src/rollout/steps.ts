import type { CanaryStep, CanaryStrategy, IntOrString, Rollout } from "./model.js";

/** Resolves an int-or-percent against a total, rounding percentages up, clamped to [0, total]. */
export function resolveReplicas(value: IntOrString | undefined, total: number): number {
  if (value === undefined) return 0;
  let n: number;
  if (typeof value === "number") n = value;
  else if (value.endsWith("%")) n = Math.ceil((Number.parseInt(value, 10) * total) / 100);
  else n = Number.parseInt(value, 10);
  if (!Number.isFinite(n)) return 0;
  return Math.max(0, Math.min(total, n));
}

export function hasTraffic(step: CanaryStep | undefined): boolean {
  return !!step && (step.traffic !== undefined || (step.matches?.length ?? 0) > 0);
}

export type RollingStyle = "Canary" | "Partition" | "BlueGreen";

export function strategyOf(rollout: Rollout): CanaryStrategy {
  return rollout.spec.strategy.blueGreen ?? rollout.spec.strategy.canary ?? { steps: [] };
}

export function rollingStyle(rollout: Rollout): RollingStyle {
  if (rollout.spec.strategy.blueGreen) return "BlueGreen";
  return rollout.spec.strategy.canary?.enableExtraWorkloadForCanary ? "Canary" : "Partition";
}

/** Canary style is only real for native Deployments; every other kind is treated as Partition. */
export function isRealCanary(rollout: Rollout): boolean {
  const ref = rollout.spec.workloadRef;
  return rollingStyle(rollout) === "Canary" && ref.kind === "Deployment" && ref.apiVersion === "apps/v1";
}

export function isRealPartition(rollout: Rollout): boolean {
  return rollingStyle(rollout) !== "BlueGreen" && !isRealCanary(rollout);
}

export function nextIndexAfter(current: number, total: number): number {
  return current < total ? current + 1 : -1;
}
