// Keys the state machine reads and writes (spec §1.8). src/api/well-known.ts holds
// the full table; these are the ones the Rollout side owns.
export const RolloutFinalizer = "rollouts.kruise.io/rollout";
export const RolloutHashAnnotation = "rollouts.kruise.io/hash";
export const InProgressingAnnotation = "rollouts.kruise.io/in-progressing";
export const WorkloadTypeLabel = "rollouts.kruise.io/workload-type";
export const RolloutIdLabel = "rollouts.kruise.io/rollout-id";
export const RollbackInBatchAnnotation = "rollouts.kruise.io/rollback-in-batch";
export const TrafficRoutingAnnotation = "rollouts.kruise.io/trafficrouting";

/** The requeue and grace defaults of upstream (spec §0). */
export const defaultGraceSeconds = 3;

export function workloadTypeOf(kind: string): string {
  switch (kind) {
    case "Deployment":
      return "deployment";
    case "CloneSet":
      return "cloneset";
    case "StatefulSet":
      return "statefulset";
    case "DaemonSet":
      return "daemonset";
    default:
      return kind.toLowerCase();
  }
}
