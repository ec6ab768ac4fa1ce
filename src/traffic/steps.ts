// From a Rollout step to the traffic the providers apply (v1beta1 TrafficRoutingStrategy is
// inlined in CanaryStep, so a step *is* a strategy). Upstream semantics:
//   * `traffic: "N%"` is scaled against 100 and rounded up; an unparsable value reads as 0
//     (intstr.GetScaledValueFromIntOrPercent with the error ignored).
//   * A step with neither traffic nor matches needs no routing: the engine tears routing down
//     before running it instead (spec §2.3).
//   * Matches alone are A/B testing; traffic plus matches is handed to the provider as is
//     (Gateway API and Istio let matches win, the Ingress scripts write both).
//   * Blue-green's final switch routes 100% with the matches dropped.

import type { TrafficRoutingStrategy } from "./model.js";

/** The canary weight of a strategy, or undefined when it sets no `traffic`. */
export function canaryWeight(strategy: TrafficRoutingStrategy): number | undefined {
  if (strategy.traffic === undefined) return undefined;
  const digits = /^([+-]?\d+)%$/.exec(strategy.traffic)?.[1];
  // N% of 100 rounded up is N itself: only integral percentages parse
  return digits === undefined ? 0 : Number.parseInt(digits, 10);
}

export function hasMatches(strategy: TrafficRoutingStrategy): boolean {
  return (strategy.matches?.length ?? 0) > 0;
}

/** Whether the step routes traffic at all (upstream: traffic set or at least one match). */
export function needsTrafficRouting(strategy: TrafficRoutingStrategy): boolean {
  return strategy.traffic !== undefined || hasMatches(strategy);
}

/** The strategy of one step: its traffic, matches and request header modifier, nothing else. */
export function trafficStrategyOf(step: TrafficRoutingStrategy): TrafficRoutingStrategy {
  return {
    ...(step.traffic !== undefined ? { traffic: step.traffic } : {}),
    ...(step.matches !== undefined ? { matches: step.matches } : {}),
    ...(step.requestHeaderModifier !== undefined
      ? { requestHeaderModifier: step.requestHeaderModifier }
      : {}),
  };
}

/** RouteAllTrafficToNewVersion (blue-green): 100% to the canary, matches dropped. */
export function allTrafficToCanary(strategy: TrafficRoutingStrategy): TrafficRoutingStrategy {
  const { matches: _dropped, ...rest } = strategy;
  return { ...rest, traffic: "100%" };
}
