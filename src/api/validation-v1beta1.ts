import { RollingStyle, RolloutPhase } from "./enums.js";
import { isPercent, scaledValue } from "./int-or-string.js";
import { jsonEqual } from "./json.js";
import { conflictMessage, Messages } from "./messages.js";
import {
  BLUE_GREEN_WORKLOADS,
  effectiveRollingStyle,
  rollingStyleOf,
  SUPPORTED_WORKLOADS,
  workloadIn,
} from "./rolling-style.js";
import type { CanaryStep, RolloutV1beta1 } from "./rollout-v1beta1.js";
import { nonDecreasing, replicasInRange, validateTrafficRoutings } from "./validation-steps.js";
import {
  DEFAULT_PARTITION_PERCENT_LIMIT,
  type FieldError,
  type ValidationContext,
} from "./validation-types.js";

// The v1beta1 rules of upstream's Rollout validating webhook (spec §7.3), reporting every problem
// with its JSON field path instead of stopping at the first.

type Rollout = RolloutV1beta1 & { spec: NonNullable<RolloutV1beta1["spec"]> };

function validateSteps(
  steps: CanaryStep[] | undefined,
  path: string,
  style: RollingStyle,
  limit: number,
): FieldError[] {
  if (!steps || steps.length === 0) return [{ field: path, message: Messages.stepsEmpty }];
  const errors: FieldError[] = [];
  steps.forEach((step, i) => {
    const at = `${path}[${i}]`;
    if (step.replicas === undefined) {
      errors.push({ field: `${at}.replicas`, message: Messages.replicasEmpty });
      return;
    }
    if (!replicasInRange(step.replicas)) {
      errors.push({ field: `${at}.replicas`, message: Messages.replicasRange });
      return;
    }
    if (step.traffic === undefined && !step.matches?.length) return;
    // Partition style routes traffic by shrinking the stable side; too large a step would leave
    // too few stable pods for the rest of the traffic.
    if (style === RollingStyle.Partition && isPercent(step.replicas)) {
      if ((scaledValue(step.replicas, 100, true) ?? 0) > limit) {
        errors.push({ field: `${at}.replicas`, message: Messages.partitionLimit });
      }
    }
    if (step.traffic === undefined) return;
    const weight = scaledValue(step.traffic, 100, true);
    const blueGreen = style === RollingStyle.BlueGreen;
    const min = blueGreen ? 0 : 1;
    if (weight === undefined || weight < min || weight > 100) {
      errors.push({
        field: `${at}.traffic`,
        message: blueGreen ? Messages.blueGreenTraffic : Messages.canaryTraffic,
      });
    }
  });
  if (errors.length > 0) return errors;
  const figures = steps.map((s) => ({
    percent: s.replicas === undefined || isPercent(s.replicas),
    value: scaledValue(s.replicas ?? 0, 100, true) ?? 0,
  }));
  return nonDecreasing(figures, (i) => `${path}[${i}].replicas`, Messages.nonDecreasing);
}

function validateSpec(rollout: Rollout, ctx: ValidationContext): FieldError[] {
  const { workloadRef, strategy } = rollout.spec;
  const errors: FieldError[] = [];
  const style =
    strategy.canary || strategy.blueGreen ? effectiveRollingStyle(strategy, workloadRef) : undefined;
  if ((ctx.filterWorkloadType ?? true) && !workloadIn(SUPPORTED_WORKLOADS, workloadRef)) {
    errors.push({ field: "spec.workloadRef", message: Messages.kindUnsupported });
  } else if (style === RollingStyle.BlueGreen && !workloadIn(BLUE_GREEN_WORKLOADS, workloadRef)) {
    errors.push({ field: "spec.workloadRef", message: Messages.kindUnsupportedBlueGreen });
  }
  if (!strategy.canary && !strategy.blueGreen) {
    return [...errors, { field: "spec.strategy", message: Messages.strategyEmpty }];
  }
  if (strategy.canary && strategy.blueGreen) {
    return [...errors, { field: "spec.strategy", message: Messages.strategyBoth }];
  }
  const [name, sub] = strategy.blueGreen ? ["blueGreen", strategy.blueGreen] : ["canary", strategy.canary];
  const path = `spec.strategy.${name}`;
  const limit = ctx.partitionPercentLimit ?? DEFAULT_PARTITION_PERCENT_LIMIT;
  errors.push(...validateSteps(sub?.steps, `${path}.steps`, style ?? RollingStyle.Partition, limit));
  errors.push(...validateTrafficRoutings(sub?.trafficRoutings, `${path}.trafficRoutings`));
  return errors;
}

/** One workload, one Rollout: another Rollout of the namespace with the same workloadRef conflicts. */
export function validateConflict(
  rollout: { metadata?: { name?: string }; workloadRef?: unknown },
  ctx: ValidationContext,
  field = "spec.workloadRef",
): FieldError[] {
  const other = ctx.siblings?.find(
    (r) =>
      r.metadata?.name !== rollout.metadata?.name &&
      rollout.workloadRef !== undefined &&
      jsonEqual(r.spec?.workloadRef, rollout.workloadRef),
  );
  if (!other) return [];
  return [
    {
      field,
      message: conflictMessage(`${other.metadata?.namespace}/${other.metadata?.name}`),
    },
  ];
}

/** CREATE (and the first half of UPDATE) for a v1beta1 Rollout. */
export function validateRolloutV1beta1(rollout: RolloutV1beta1, ctx: ValidationContext = {}): FieldError[] {
  if (!rollout.spec) return [{ field: "spec", message: "Required value" }];
  const own = { metadata: rollout.metadata, workloadRef: rollout.spec.workloadRef };
  return [...validateSpec(rollout as Rollout, ctx), ...validateConflict(own, ctx)];
}

const stepsOf = (r: RolloutV1beta1) =>
  r.spec?.strategy.blueGreen?.steps ?? r.spec?.strategy.canary?.steps ?? [];
const routingsOf = (r: RolloutV1beta1) =>
  r.spec?.strategy.blueGreen
    ? r.spec.strategy.blueGreen.trafficRoutings
    : r.spec?.strategy.canary?.trafficRoutings;
const strategyName = (r: RolloutV1beta1) => (r.spec?.strategy.blueGreen ? "blueGreen" : "canary");

/**
 * The UPDATE-only rules: while the live Rollout is Progressing or Terminating, what it is
 * releasing (workload, traffic objects, style, number of steps) cannot change under it.
 */
export function validateRolloutV1beta1Update(
  oldRollout: RolloutV1beta1,
  newRollout: RolloutV1beta1,
  ctx: ValidationContext = {},
): FieldError[] {
  const errors = validateRolloutV1beta1(newRollout, ctx);
  if (ctx.livePhase !== RolloutPhase.Progressing && ctx.livePhase !== RolloutPhase.Terminating) return errors;
  const strategyPath = `spec.strategy.${strategyName(newRollout)}`;
  if (!jsonEqual(oldRollout.spec?.workloadRef, newRollout.spec?.workloadRef)) {
    errors.push({ field: "spec.workloadRef", message: Messages.objectRefImmutable });
  }
  if (!jsonEqual(routingsOf(oldRollout), routingsOf(newRollout))) {
    errors.push({ field: `${strategyPath}.trafficRoutings`, message: Messages.trafficRoutingsImmutable });
  }
  if (
    oldRollout.spec &&
    newRollout.spec &&
    rollingStyleOf(oldRollout.spec.strategy) !== rollingStyleOf(newRollout.spec.strategy)
  ) {
    errors.push({ field: "spec.strategy", message: Messages.styleImmutable });
  }
  if (stepsOf(oldRollout).length !== stepsOf(newRollout).length) {
    errors.push({ field: `${strategyPath}.steps`, message: Messages.stepCountImmutable });
  }
  return errors;
}
