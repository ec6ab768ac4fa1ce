// Gateway API HTTPRoute provider (upstream network/gateway/gateway.go, v0.6.2). The HTTPRoute
// named by `gateway.httpRouteName` is rewritten in place (its `spec.rules` as a whole):
//
//   * Weight step: in every rule that sends to the stable Service, the stable backendRef gets
//     weight 100-N and a canary backendRef (the stable one renamed `<svc>-canary`) weight N,
//     replacing an existing canary ref in place or appended after the others.
//   * Match step (weight ignored): canary rules are dropped and rebuilt, and canary refs are
//     taken out of weighted rules. For each stable rule a canary rule is appended after all
//     original rules, with the canary as its only backend and as matches: the Rollout's path
//     matches on their own (first stable rule only), then every original match of the rule
//     AND-ed with each non-path Rollout match (its headers and query params appended).
//   * Restore: canary refs removed, the stable ref's weight set to 1, canary-only rules dropped.
//     Routes stored by an API server carry weight 1 already (the CRD default), so this gives back
//     the original; an explicit other weight on the stable ref comes back as 1, as upstream.
//
// Deliberate differences from upstream, none visible on routes upstream handles correctly:
//   * A backendRef without `kind` is read as a Service (the Gateway API default) — upstream
//     requires the explicit kind that API servers fill in, so raw manifests match here too.
//   * A rule without `matches` is read as the API default, one PathPrefix "/" match.
//   * Upstream AND-s the k-th non-path match taken from the *unfiltered* match list (wrong when
//     path and non-path matches are mixed); here it is the k-th non-path match.
//   * Restore drops only rules whose sole backends were canary refs; upstream also dropped
//     original rules without backendRefs (e.g. redirect-only rules).
//   * A match step after a weight step first takes the canary ref out of the weighted rules
//     (stable weight back to 1, as Restore does). Upstream dropped those rules whole, so the
//     stable route disappeared and the match step built no canary rule either.

import { type TrafficChange, targetOf } from "./actions.js";
import { fail, ok, type Result } from "./errors.js";
import { jsonEqual } from "./json.js";
import type {
  HTTPBackendRef,
  HTTPRoute,
  HTTPRouteMatch,
  HTTPRouteRule,
  TrafficRoutingStrategy,
} from "./model.js";
import { canaryWeight, hasMatches } from "./steps.js";

const httpRouteType = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute" };
const defaultRuleMatches: HTTPRouteMatch[] = [{ path: { type: "PathPrefix", value: "/" } }];

export interface GatewayServices {
  stableService: string;
  canaryService: string;
}

function isServiceRef(ref: HTTPBackendRef, service: string): boolean {
  return (ref.kind ?? "Service") === "Service" && ref.name === service;
}

function findRef(rule: HTTPRouteRule, service: string): number {
  return (rule.backendRefs ?? []).findIndex((ref) => isServiceRef(ref, service));
}

/** The rules a step wants, from the rules observed now. */
export function desiredHTTPRouteRules(
  rules: readonly HTTPRouteRule[],
  strategy: TrafficRoutingStrategy,
  services: GatewayServices,
): HTTPRouteRule[] {
  if (hasMatches(strategy)) return matchRules(rules, strategy.matches ?? [], services);
  const weight = canaryWeight(strategy);
  return weight === undefined ? structuredClone([...rules]) : weightRules(rules, weight, services);
}

function weightRules(
  rules: readonly HTTPRouteRule[],
  weight: number,
  services: GatewayServices,
): HTTPRouteRule[] {
  return rules.map((original) => {
    const rule = structuredClone(original);
    const refs = rule.backendRefs ?? [];
    const stable = findRef(rule, services.stableService);
    const stableRef = refs[stable];
    if (stableRef === undefined) return rule;
    const canary = findRef(rule, services.canaryService);
    const canaryRef = refs[canary] ?? { ...structuredClone(stableRef), name: services.canaryService };
    stableRef.weight = 100 - weight;
    canaryRef.weight = weight;
    if (canary < 0) refs.push(canaryRef);
    return rule;
  });
}

function matchRules(
  rules: readonly HTTPRouteRule[],
  matches: NonNullable<TrafficRoutingStrategy["matches"]>,
  services: GatewayServices,
): HTTPRouteRule[] {
  let pathMatches: HTTPRouteMatch[] = matches
    .filter((match) => match.path !== undefined)
    .map((match) => structuredClone(match));
  const otherMatches = matches.filter((match) => match.path === undefined);
  const kept: HTTPRouteRule[] = [];
  const canaries: HTTPRouteRule[] = [];
  for (const observed of rules) {
    const original = withoutCanaryRef(observed, services);
    // a canary rule of an earlier match step: rebuilt below
    if (original === undefined) continue;
    kept.push(structuredClone(original));
    const stableRef = original.backendRefs?.[findRef(original, services.stableService)];
    if (stableRef === undefined) continue;
    const routeMatches: HTTPRouteMatch[] = [...pathMatches];
    pathMatches = [];
    for (const base of original.matches ?? defaultRuleMatches) {
      for (const match of otherMatches) {
        const combined = structuredClone(base);
        if (match.headers?.length)
          combined.headers = [...(combined.headers ?? []), ...structuredClone(match.headers)];
        if (match.queryParams?.length) {
          combined.queryParams = [...(combined.queryParams ?? []), ...structuredClone(match.queryParams)];
        }
        routeMatches.push(combined);
      }
    }
    if (routeMatches.length === 0) continue;
    canaries.push({
      ...structuredClone(original),
      matches: routeMatches,
      backendRefs: [{ ...structuredClone(stableRef), name: services.canaryService }],
    });
  }
  return [...kept, ...canaries];
}

/**
 * A rule as it was before weight steps touched it: the canary ref removed and the stable ref's
 * weight back to 1 (as Finalise does). Undefined for a rule that sent only to the canary.
 * Upstream drops every rule holding a canary ref when a match step follows a weight step, so the
 * stable rule itself vanished and nothing routed to the stable Service any more.
 */
function withoutCanaryRef(rule: HTTPRouteRule, services: GatewayServices): HTTPRouteRule | undefined {
  const canary = findRef(rule, services.canaryService);
  if (canary < 0) return rule;
  const refs = structuredClone(rule.backendRefs ?? []);
  refs.splice(canary, 1);
  if (refs.length === 0) return undefined;
  const stableRef = refs[findRef({ backendRefs: refs }, services.stableService)];
  if (stableRef) stableRef.weight = 1;
  return { ...structuredClone(rule), backendRefs: refs };
}

/** Finalise's rules: everything the rollout added removed again. */
export function restoredHTTPRouteRules(
  rules: readonly HTTPRouteRule[],
  services: GatewayServices,
): HTTPRouteRule[] {
  const restored: HTTPRouteRule[] = [];
  for (const original of rules) {
    const rule = structuredClone(original);
    const canary = findRef(rule, services.canaryService);
    if (canary >= 0) rule.backendRefs?.splice(canary, 1);
    const stableRef = rule.backendRefs?.[findRef(rule, services.stableService)];
    if (stableRef) stableRef.weight = 1;
    if (canary >= 0 && (rule.backendRefs?.length ?? 0) === 0) continue;
    restored.push(rule);
  }
  return restored;
}

function rulesChange(route: HTTPRoute, desired: HTTPRouteRule[]): TrafficChange {
  if (jsonEqual(route.spec?.rules ?? [], desired)) return { done: true, actions: [] };
  return {
    done: false,
    actions: [
      {
        kind: "patch",
        target: targetOf(route, httpRouteType),
        patchType: "merge",
        patch: { spec: { rules: desired } },
      },
    ],
  };
}

export function ensureHTTPRoute(
  route: HTTPRoute | undefined,
  strategy: TrafficRoutingStrategy,
  services: GatewayServices,
  routeName: string,
): Result<TrafficChange> {
  if (route === undefined) return fail("invalid-object", `HTTPRoute ${routeName} not found`);
  return ok(rulesChange(route, desiredHTTPRouteRules(route.spec?.rules ?? [], strategy, services)));
}

/** Finalise: done (nothing to do) when the route is gone or already restored. */
export function finaliseHTTPRoute(route: HTTPRoute | undefined, services: GatewayServices): TrafficChange {
  if (route === undefined) return { done: true, actions: [] };
  return rulesChange(route, restoredHTTPRouteRules(route.spec?.rules ?? [], services));
}
