// The canary Service and the stable Service (upstream pkg/trafficrouting/manager.go, v0.6.2).
//
// While a step routes traffic, `<svc>-canary` selects only canary pods and the stable Service is
// pinned to stable pods, both through the workload's revision label (`pod-template-hash` for
// Deployment/CloneSet/Advanced DaemonSet, `controller-revision-hash` for StatefulSet-like and
// native DaemonSet). Without that pin, new pods would match the stable selector and receive
// un-routed traffic. Restoring is the reverse: drop the pin (SMP `null`), then delete the
// canary Service once routes no longer point at it (order in spec §5.6).
//
// `disableGenerateCanaryService` (and the TrafficRouting CR, "onlyTrafficRouting") make the
// canary Service name equal the stable name: nothing is created, pinned or deleted.

import { type TrafficAction, type TrafficChange, targetOf, writeAction } from "./actions.js";
import type { OwnerReference, Service, TrafficRoutingRef } from "./model.js";

export const defaultGracePeriodSeconds = 3;

const serviceType = { apiVersion: "v1", kind: "Service" };

export interface CanaryServiceOptions {
  disableGenerateCanaryService?: boolean;
  /** Driven by a TrafficRouting CR (spec §5.7): routes only, no Service changes. */
  onlyTrafficRouting?: boolean;
}

export function canaryServiceName(stableService: string, options: CanaryServiceOptions = {}): string {
  return generatesCanaryService(options) ? `${stableService}-canary` : stableService;
}

export function generatesCanaryService(options: CanaryServiceOptions): boolean {
  return !(options.onlyTrafficRouting || options.disableGenerateCanaryService);
}

/** An absent `gracePeriodSeconds` is what the CRD default would have filled in. */
function declaredGrace(ref: TrafficRoutingRef): number {
  return ref.gracePeriodSeconds ?? defaultGracePeriodSeconds;
}

/**
 * Grace used by the finalising operations: the largest `gracePeriodSeconds` of the refs, where
 * 0 (set on purpose) means no wait. Negative values count as 0, as upstream's max starts at 0.
 */
export function graceSeconds(refs: readonly TrafficRoutingRef[]): number {
  if (refs.length === 0) return defaultGracePeriodSeconds;
  return Math.max(0, ...refs.map(declaredGrace));
}

/**
 * Grace a routing step waits after its own last change (DoTrafficRouting). Unlike
 * `graceSeconds`, upstream reads 0 and negatives as the default here.
 */
export function stepGraceSeconds(ref: TrafficRoutingRef): number {
  const seconds = declaredGrace(ref);
  return seconds <= 0 ? defaultGracePeriodSeconds : seconds;
}

export interface ServiceContext {
  namespace: string;
  stableService: string;
  revisionLabelKey: string;
  /** Rollout status stableRevision. */
  stableRevision: string;
  /** Rollout status podTemplateHash (the canary revision label value). */
  canaryRevision: string;
  ownerRef: OwnerReference;
  /** patchPodTemplateMetadata.labels (canary style). */
  canarySelectorPatch?: Readonly<Record<string, string>>;
  /** Feature gate AppendPodSelector: also add selector patch keys the stable selector lacks. */
  appendPodSelector?: boolean;
}

/** The canary Service: the stable spec minus everything cluster-assigned, selecting canary pods. */
export function buildCanaryService(stable: Service, ctx: ServiceContext): Service {
  const spec = structuredClone(stable.spec ?? {});
  for (const field of [
    "clusterIP",
    "clusterIPs",
    "externalIPs",
    "ipFamilyPolicy",
    "ipFamilies",
    "loadBalancerIP",
  ]) {
    delete spec[field];
  }
  // nodePorts are cluster-wide: copying them would conflict with the stable Service
  for (const port of spec.ports ?? []) delete port.nodePort;
  const selector = { ...spec.selector, [ctx.revisionLabelKey]: ctx.canaryRevision };
  for (const [key, value] of Object.entries(ctx.canarySelectorPatch ?? {})) {
    if (key in selector || ctx.appendPodSelector) selector[key] = value;
  }
  spec.selector = selector;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: `${ctx.stableService}-canary`,
      namespace: ctx.namespace,
      ownerReferences: [ctx.ownerRef],
    },
    spec,
  };
}

/** SMP body that sets one selector key; `null` removes it. */
export function selectorPatch(key: string, value: string | null): unknown {
  return { spec: { selector: { [key]: value } } };
}

export type ServicesState =
  /** The Rollout status lacks a revision yet: wait, change nothing. */
  | { state: "wait-for-revisions" }
  /** Something was created or patched: wait a grace period before touching routes. */
  | { state: "changed"; actions: TrafficAction[] }
  | { state: "ready" };

/**
 * Step 4 of DoTrafficRouting: create the canary Service or re-point its selector, then pin the
 * stable Service. Only call it when the canary Service is generated.
 */
export function ensureServices(
  stable: Service,
  canary: Service | undefined,
  ctx: ServiceContext,
): ServicesState {
  if (!ctx.stableRevision || !ctx.canaryRevision) return { state: "wait-for-revisions" };
  const actions: TrafficAction[] = [];
  if (canary === undefined) {
    actions.push(writeAction("create", buildCanaryService(stable, ctx)));
  } else if (canary.spec?.selector?.[ctx.revisionLabelKey] !== ctx.canaryRevision) {
    actions.push({
      kind: "patch",
      target: targetOf(canary, serviceType),
      patchType: "strategic",
      patch: selectorPatch(ctx.revisionLabelKey, ctx.canaryRevision),
    });
  }
  const pin = pinStableService(stable, ctx.revisionLabelKey, ctx.stableRevision);
  if (pin) actions.push(pin);
  return actions.length > 0 ? { state: "changed", actions } : { state: "ready" };
}

/** PatchStableService: pin the stable selector to the stable revision, if not already. */
export function pinStableService(
  stable: Service,
  revisionLabelKey: string,
  stableRevision: string,
): TrafficAction | undefined {
  if (stable.spec?.selector?.[revisionLabelKey] === stableRevision) return undefined;
  return {
    kind: "patch",
    target: targetOf(stable, serviceType),
    patchType: "strategic",
    patch: selectorPatch(revisionLabelKey, stableRevision),
  };
}

/** RestoreStableService: drop the revision key from the stable selector. */
export function restoreStableService(stable: Service | undefined, revisionLabelKey: string): TrafficChange {
  if (!stable?.spec?.selector?.[revisionLabelKey]) return { done: true, actions: [] };
  return {
    done: false,
    actions: [
      {
        kind: "patch",
        target: targetOf(stable, serviceType),
        patchType: "strategic",
        patch: selectorPatch(revisionLabelKey, null),
      },
    ],
  };
}

/** RemoveCanaryService: delete `<svc>-canary` when it exists and was generated by us. */
export function removeCanaryService(
  canary: Service | undefined,
  options: CanaryServiceOptions,
): TrafficChange {
  if (!generatesCanaryService(options) || canary === undefined) return { done: true, actions: [] };
  return { done: false, actions: [{ kind: "delete", target: targetOf(canary, serviceType) }] };
}
