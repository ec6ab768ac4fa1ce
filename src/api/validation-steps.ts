import { isPercent, scaledValue } from "./int-or-string.js";
import { Messages } from "./messages.js";
import type { TrafficRoutingRef } from "./traffic-routing-ref.js";
import type { FieldError } from "./validation-types.js";

// Checks shared by both Rollout versions: traffic routing references, and the order of replicas
// across steps.

export function validateTrafficRoutings(
  routings: TrafficRoutingRef[] | undefined,
  path: string,
): FieldError[] {
  if (!routings) return [];
  const errors: FieldError[] = [];
  if (routings.length > 8) errors.push({ field: path, message: Messages.tooManyTrafficRoutings });
  routings.forEach((ref, i) => {
    const at = `${path}[${i}]`;
    if (ref.gracePeriodSeconds < 0)
      errors.push({ field: `${at}.gracePeriodSeconds`, message: Messages.graceNegative });
    if (ref.service.length === 0) errors.push({ field: `${at}.service`, message: Messages.serviceEmpty });
    if (!ref.gateway && !ref.ingress && !ref.customNetworkRefs) {
      errors.push({ field: at, message: Messages.routingNotSet });
    }
    if (ref.ingress && ref.ingress.name === "") {
      errors.push({ field: `${at}.ingress.name`, message: Messages.ingressNameEmpty });
    }
    if (ref.gateway && !ref.gateway.httpRouteName) {
      errors.push({ field: `${at}.gateway.httpRouteName`, message: Messages.gatewayRouteEmpty });
    }
  });
  return errors;
}

/** Upstream: replicas must be a positive int, or a percentage in (0%, 100%]. */
export function replicasInRange(replicas: number | string): boolean {
  const value = scaledValue(replicas, 100, true);
  return value !== undefined && value > 0 && !(value > 100 && isPercent(replicas));
}

/**
 * Replicas may not decrease between consecutive steps of the same kind (both counts or both
 * percentages); a count next to a percentage is not comparable. `value` gives the step's replicas
 * figure, or undefined when the step has none (treated as a percentage, like upstream).
 */
export function nonDecreasing(
  steps: { percent: boolean; value: number }[],
  path: (i: number) => string,
  message: string,
): FieldError[] {
  const errors: FieldError[] = [];
  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1];
    const curr = steps[i];
    if (!prev || !curr || prev.percent !== curr.percent) continue;
    if (curr.value < prev.value) errors.push({ field: path(i), message });
  }
  return errors;
}
