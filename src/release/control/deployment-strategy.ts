// The `rollouts.kruise.io/deployment-strategy` annotation of a partition-style Deployment: the
// rolling-update settings the Deployment had before we forced it to Recreate, and the partition.

import { deploymentStrategyAnnotation } from "../keys.js";
import type { Deployment, IntOrString, RollingUpdateDeployment } from "../model.js";

export interface DeploymentStrategy {
  rollingStyle?: "Partition" | "Canary" | "BlueGreen";
  rollingUpdate?: RollingUpdateDeployment;
  paused?: boolean;
  partition?: IntOrString;
}

export function deploymentStrategyOf(d: Deployment): DeploymentStrategy {
  try {
    const parsed = JSON.parse(d.metadata.annotations?.[deploymentStrategyAnnotation] ?? "{}");
    return parsed !== null && typeof parsed === "object" ? (parsed as DeploymentStrategy) : {};
  } catch {
    return {};
  }
}

/**
 * Defaults of upstream SetDefaultDeploymentStrategy. Upstream assigns the maxSurge default to
 * maxUnavailable by mistake (spec §11); we default maxSurge to 25% as intended.
 */
export function withDefaults(strategy: DeploymentStrategy): DeploymentStrategy {
  if (strategy.rollingStyle !== "Partition") return strategy;
  const ru = { ...(strategy.rollingUpdate ?? {}) };
  ru.maxUnavailable ??= "25%";
  ru.maxSurge ??= "25%";
  const bothZero = isZero(ru.maxSurge) && isZero(ru.maxUnavailable);
  return { ...strategy, rollingUpdate: bothZero ? { maxUnavailable: 1, maxSurge: 0 } : ru };
}

function isZero(v: IntOrString): boolean {
  return v === 0 || v === "0%" || v === "0";
}

/** Go's field order (rollingStyle, rollingUpdate{maxUnavailable,maxSurge}, paused, partition). */
export function strategyJson(s: DeploymentStrategy): string {
  const out: Record<string, unknown> = {};
  if (s.rollingStyle) out.rollingStyle = s.rollingStyle;
  if (s.rollingUpdate) {
    const ru: Record<string, unknown> = {};
    if (s.rollingUpdate.maxUnavailable !== undefined) ru.maxUnavailable = s.rollingUpdate.maxUnavailable;
    if (s.rollingUpdate.maxSurge !== undefined) ru.maxSurge = s.rollingUpdate.maxSurge;
    out.rollingUpdate = ru;
  }
  if (s.paused) out.paused = true;
  out.partition = s.partition ?? 0;
  return JSON.stringify(out);
}

/** Taken over by a BatchRelease: control-info set, Recreate, paused (upstream IsUnderRolloutControl). */
export function isUnderReleaseControl(d: Deployment, controlInfoKey: string): boolean {
  return (
    Boolean(d.metadata.annotations?.[controlInfoKey]) &&
    d.spec.strategy?.type === "Recreate" &&
    d.spec.paused === true
  );
}
