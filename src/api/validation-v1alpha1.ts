import { RolloutPhase } from "./enums.js";
import { isPercent, scaledValue } from "./int-or-string.js";
import { jsonEqual } from "./json.js";
import { Messages, workloadRefRequired } from "./messages.js";
import { SUPPORTED_WORKLOADS, workloadIn } from "./rolling-style.js";
import type { CanaryStepV1alpha1, RolloutV1alpha1 } from "./rollout-v1alpha1.js";
import { nonDecreasing, replicasInRange, validateTrafficRoutings } from "./validation-steps.js";
import {
  DEFAULT_PARTITION_PERCENT_LIMIT,
  type FieldError,
  type ValidationContext,
} from "./validation-types.js";
import { validateConflict } from "./validation-v1beta1.js";
import { Annotations } from "./well-known.js";

// The v1alpha1 rules of upstream's webhook (validate_v1alphal_rollout.go): weights instead of
// traffic strings, the style in an annotation, and a few messages of its own.

const styleAnnotation = (r: RolloutV1alpha1) =>
  (r.metadata?.annotations?.[Annotations.rollingStyle] ?? "").toLowerCase();

function isPartition(r: RolloutV1alpha1): boolean {
  const ref = r.spec?.objectRef.workloadRef;
  const canaryStyle = styleAnnotation(r) === "" || styleAnnotation(r) === "canary";
  return !(canaryStyle && ref?.apiVersion === "apps/v1" && ref.kind === "Deployment");
}

function validateSteps(
  steps: CanaryStepV1alpha1[] | undefined,
  path: string,
  partition: boolean,
  hasTrafficRouting: boolean,
  limit: number,
): FieldError[] {
  if (!steps || steps.length === 0) return [{ field: path, message: Messages.stepsEmpty }];
  const errors: FieldError[] = [];
  steps.forEach((s, i) => {
    const at = `${path}[${i}]`;
    if (s.weight === undefined && s.replicas === undefined) {
      errors.push({ field: at, message: Messages.weightAndReplicasEmpty });
    } else if (s.replicas !== undefined) {
      if (!replicasInRange(s.replicas)) {
        errors.push({ field: `${at}.replicas`, message: Messages.replicasRange });
      } else if (
        partition &&
        isPercent(s.replicas) &&
        (scaledValue(s.replicas, 100, true) ?? 0) > limit &&
        (s.matches !== undefined || s.weight !== undefined)
      ) {
        errors.push({ field: `${at}.replicas`, message: Messages.replicasPartitionLimitV1alpha1 });
      }
    } else if (s.weight !== undefined) {
      if (partition && s.weight > limit)
        errors.push({ field: `${at}.weight`, message: Messages.weightPartitionLimit });
      else if (s.weight <= 0 || s.weight > 100)
        errors.push({ field: `${at}.weight`, message: Messages.weightRange });
    }
  });
  if (errors.length > 0) return errors;
  if (hasTrafficRouting) {
    const weights = steps.map((s) => s.weight);
    for (let i = 1; i < weights.length; i++) {
      const prev = weights[i - 1];
      const curr = weights[i];
      if (prev !== undefined && curr !== undefined && curr < prev) {
        errors.push({ field: `${path}[${i}].weight`, message: Messages.weightNonDecreasing });
      }
    }
  }
  // A step without replicas is measured by its weight, as a percentage.
  const figures = steps.map((s) => ({
    percent: s.replicas === undefined || isPercent(s.replicas),
    value: s.replicas === undefined ? (s.weight ?? 0) : (scaledValue(s.replicas, 100, true) ?? 0),
  }));
  return [...errors, ...nonDecreasing(figures, (i) => `${path}[${i}].replicas`, Messages.nonDecreasing)];
}

/** CREATE (and the first half of UPDATE) for a v1alpha1 Rollout. */
export function validateRolloutV1alpha1(rollout: RolloutV1alpha1, ctx: ValidationContext = {}): FieldError[] {
  if (!rollout.spec) return [{ field: "spec", message: "Required value" }];
  const errors: FieldError[] = [];
  const ref = rollout.spec.objectRef.workloadRef;
  if (!ref) errors.push({ field: "spec.objectRef.workloadRef", message: workloadRefRequired });
  else if ((ctx.filterWorkloadType ?? true) && !workloadIn(SUPPORTED_WORKLOADS, ref)) {
    errors.push({ field: "spec.objectRef.workloadRef", message: Messages.kindUnsupported });
  }
  if (!["", "canary", "partition"].includes(styleAnnotation(rollout))) {
    errors.push({
      field: `metadata.annotations[${Annotations.rollingStyle}]`,
      message: Messages.rollingStyleInvalid,
    });
  }
  const canary = rollout.spec.strategy.canary;
  if (!canary) {
    errors.push({ field: "spec.strategy.canary", message: Messages.canaryEmpty });
  } else {
    const limit = ctx.partitionPercentLimit ?? DEFAULT_PARTITION_PERCENT_LIMIT;
    const hasRouting = (canary.trafficRoutings?.length ?? 0) > 0;
    const path = "spec.strategy.canary";
    errors.push(...validateSteps(canary.steps, `${path}.steps`, isPartition(rollout), hasRouting, limit));
    errors.push(...validateTrafficRoutings(canary.trafficRoutings, `${path}.trafficRoutings`));
  }
  return [
    ...errors,
    ...validateConflict({ metadata: rollout.metadata, workloadRef: ref }, ctx, "spec.objectRef.workloadRef"),
  ];
}

/** The UPDATE-only v1alpha1 rules (workload, traffic routings and style frozen while progressing). */
export function validateRolloutV1alpha1Update(
  oldRollout: RolloutV1alpha1,
  newRollout: RolloutV1alpha1,
  ctx: ValidationContext = {},
): FieldError[] {
  const errors = validateRolloutV1alpha1(newRollout, ctx);
  if (ctx.livePhase !== RolloutPhase.Progressing && ctx.livePhase !== RolloutPhase.Terminating) return errors;
  if (!jsonEqual(oldRollout.spec?.objectRef, newRollout.spec?.objectRef)) {
    errors.push({ field: "spec.objectRef", message: Messages.objectRefImmutable });
  }
  const routings = (r: RolloutV1alpha1) => r.spec?.strategy.canary?.trafficRoutings;
  if (!jsonEqual(routings(oldRollout), routings(newRollout))) {
    errors.push({
      field: "spec.strategy.canary.trafficRoutings",
      message: Messages.trafficRoutingsImmutableV1alpha1,
    });
  }
  if (styleAnnotation(oldRollout) !== styleAnnotation(newRollout)) {
    errors.push({
      field: `metadata.annotations[${Annotations.rollingStyle}]`,
      message: Messages.rollingStyleImmutable,
    });
  }
  return errors;
}
