// Which control drives a release (upstream getReleaseController); other kinds get an
// UnsupportedWorkload event.
// Advanced StatefulSets (apps.kruise.io v1beta1/v1alpha1) share the StatefulSet-like control.

import type { ObjectRef, ReleasePlan } from "../model.js";
import { isCloneSetKind } from "../workloads/cloneset.js";
import { isAdvancedDaemonSetKind, isNativeDaemonSetKind } from "../workloads/daemonset.js";
import { isStatefulSetKind } from "../workloads/statefulset.js";
import { blueGreenCloneSetControl } from "./bluegreen-cloneset.js";
import { blueGreenDeploymentControl } from "./bluegreen-deployment.js";
import { cloneSetPartitionControl } from "./cloneset-partition.js";
import type { ObservedRelease, ReleaseControl } from "./control.js";
import { advancedDaemonSetControl } from "./daemonset-advanced.js";
import { nativeDaemonSetControl } from "./daemonset-native.js";
import { deploymentCanaryControl } from "./deployment-canary.js";
import { deploymentPartitionControl } from "./deployment-partition.js";
import { statefulSetPartitionControl } from "./statefulset-partition.js";

export type ReleaseStyle =
  | "deployment-canary"
  | "deployment-partition"
  | "statefulset-partition"
  | "cloneset-partition"
  | "deployment-bluegreen"
  | "cloneset-bluegreen"
  | "daemonset-advanced"
  | "daemonset-native";

export function releaseStyle(ref: ObjectRef, plan: ReleasePlan): ReleaseStyle | undefined {
  const rollingStyle = plan.rollingStyle || (plan.enableExtraWorkloadForCanary ? "Canary" : "");
  const isDeployment = ref.apiVersion === "apps/v1" && ref.kind === "Deployment";
  if (rollingStyle === "BlueGreen") {
    if (isDeployment) return "deployment-bluegreen";
    return isCloneSetKind(ref) ? "cloneset-bluegreen" : undefined;
  }
  if (isDeployment) return rollingStyle === "Canary" ? "deployment-canary" : "deployment-partition";
  // Upstream has no extra-workload canary for CloneSets: any non-blue-green style is a partition.
  if (isCloneSetKind(ref)) return "cloneset-partition";
  if (isAdvancedDaemonSetKind(ref)) return "daemonset-advanced";
  if (isNativeDaemonSetKind(ref)) return "daemonset-native";
  return isStatefulSetKind(ref) ? "statefulset-partition" : undefined;
}

export function releaseControl(style: ReleaseStyle, observed: ObservedRelease): ReleaseControl {
  switch (style) {
    case "deployment-canary":
      return deploymentCanaryControl(observed);
    case "deployment-partition":
      return deploymentPartitionControl(observed);
    case "statefulset-partition":
      return statefulSetPartitionControl(observed);
    case "cloneset-partition":
      return cloneSetPartitionControl(observed);
    case "deployment-bluegreen":
      return blueGreenDeploymentControl(observed);
    case "cloneset-bluegreen":
      return blueGreenCloneSetControl(observed);
    case "daemonset-advanced":
      return advancedDaemonSetControl(observed);
    case "daemonset-native":
      return nativeDaemonSetControl(observed);
  }
}
