import { RollingStyle } from "./enums.js";
import type { ObjectRef } from "./meta.js";
import type { RolloutStrategy } from "./rollout-v1beta1.js";

// Which release style a v1beta1 Rollout uses (upstream GetRollingStyle / IsRealPartition), and the
// workload kinds a Rollout may target. Matching is by group and kind; the version is ignored.

type StrategyShape = Pick<RolloutStrategy, "blueGreen"> & {
  canary?: { enableExtraWorkloadForCanary?: boolean };
};

/** BlueGreen if blueGreen is set; else Canary with `enableExtraWorkloadForCanary`; else Partition. */
export function rollingStyleOf(strategy: StrategyShape): RollingStyle {
  if (strategy.blueGreen) return RollingStyle.BlueGreen;
  return strategy.canary?.enableExtraWorkloadForCanary ? RollingStyle.Canary : RollingStyle.Partition;
}

const isNativeDeployment = (ref: Pick<ObjectRef, "apiVersion" | "kind">) =>
  ref.apiVersion === "apps/v1" && ref.kind === "Deployment";

/**
 * The style the controllers really apply: Canary (an extra Deployment) only exists for native
 * Deployments; for every other kind the Canary flag means Partition.
 */
export function effectiveRollingStyle(strategy: StrategyShape, workloadRef: ObjectRef): RollingStyle {
  const style = rollingStyleOf(strategy);
  return style === RollingStyle.Canary && !isNativeDeployment(workloadRef) ? RollingStyle.Partition : style;
}

const groupOf = (apiVersion: string) =>
  apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";

/** The `--filter-workload-type` allow-list (upstream knownWorkloadGVKs) as group/kind pairs. */
export const SUPPORTED_WORKLOADS = [
  { group: "apps", kind: "ReplicaSet" },
  { group: "apps", kind: "Deployment" },
  { group: "apps", kind: "StatefulSet" },
  { group: "apps", kind: "DaemonSet" },
  { group: "apps.kruise.io", kind: "CloneSet" },
  { group: "apps.kruise.io", kind: "StatefulSet" },
  { group: "apps.kruise.io", kind: "DaemonSet" },
] as const;

/** Blue-green needs a workload that can surge: Deployment or CloneSet. */
export const BLUE_GREEN_WORKLOADS = [
  { group: "apps", kind: "Deployment" },
  { group: "apps.kruise.io", kind: "CloneSet" },
] as const;

export function workloadIn(list: readonly { group: string; kind: string }[], ref: ObjectRef): boolean {
  const group = groupOf(ref.apiVersion);
  return list.some((w) => w.group === group && w.kind === ref.kind);
}
