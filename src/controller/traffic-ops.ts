// The traffic operations of one Rollout pass (upstream pkg/trafficrouting/manager.go), bound to
// the network objects read for that pass. Every op is pure and idempotent: it compares what was
// observed with what the Rollout wants and returns the writes that close the gap, or done with
// none. The state machine sequences the ops and owns the grace-period waits; the shell executes
// the writes. Failures (a missing object, an unresolvable or failing Lua script) come back as
// `error`, for the Rollout's status, never as exceptions — and a failing call writes nothing.
//
// Only trafficRoutings[0] is used (the webhook allows one). Its custom refs, ingress and gateway
// form one composite provider, in upstream's order: routes are done only when every provider
// is done, and restoring reports every provider's failure.

import type { Action } from "../rollout/action.js";
import type { CanaryStep, Rollout } from "../rollout/model.js";
import type { TrafficOps, TrafficStep } from "../rollout/observed.js";
import { strategyOf } from "../rollout/steps.js";
import type { TrafficChange } from "../traffic/actions.js";
import { fail, ok, type Result } from "../traffic/errors.js";
import { ensureHTTPRoute, finaliseHTTPRoute, type GatewayServices } from "../traffic/gateway.js";
import { ensureIngressRoutes, finaliseIngress } from "../traffic/ingress.js";
import { type CustomTarget, ensureCustomRoutes, finaliseCustomRoutes } from "../traffic/lua-custom.js";
import type { LuaVm } from "../traffic/lua-vm.js";
import type {
  HTTPRoute,
  Ingress,
  KubeObject,
  ObjectRef,
  OwnerReference,
  Service,
  TrafficRoutingRef,
  TrafficRoutingStrategy,
} from "../traffic/model.js";
import { type ConfigMapData, resolveCustomScript, resolveIngressScript } from "../traffic/script-source.js";
import {
  canaryServiceName,
  ensureServices,
  generatesCanaryService,
  pinStableService,
  removeCanaryService,
  restoreStableService,
} from "../traffic/services.js";
import { needsTrafficRouting, trafficStrategyOf } from "../traffic/steps.js";

export interface CustomObservation {
  ref: ObjectRef;
  /** undefined when the object does not exist or could not be read. */
  object: KubeObject | undefined;
  /** Why the object could not be read at all, e.g. a kind the controller has no REST path for. */
  unreadable?: string;
}

/** Everything trafficRoutings[0] refers to, read once for one pass; absent objects are undefined. */
export interface ObservedNetwork {
  stableService: Service | undefined;
  /** `<svc>-canary`; never read when canary Service generation is disabled. */
  canaryService: Service | undefined;
  stableIngress: Ingress | undefined;
  /** `<ingress>-canary`. */
  canaryIngress: Ingress | undefined;
  httpRoute: HTTPRoute | undefined;
  /** One per customNetworkRefs entry, in order. */
  custom: CustomObservation[];
  /** `data` of ConfigMap kruise-rollout-configuration; undefined when it does not exist. */
  configData: ConfigMapData;
  /** Where that ConfigMap lives (the controller's namespace), for error messages. */
  configNamespace: string;
  vm: LuaVm;
}

export interface TrafficOpsContext {
  rollout: Rollout;
  /** status.canaryStatus.stableRevision */
  stableRevision: string;
  /** status.canaryStatus.podTemplateHash: the revision label value of the canary pods. */
  podTemplateHash: string;
  /** pod-template-hash (Deployment, CloneSet, Advanced DaemonSet) or controller-revision-hash. */
  revisionLabelKey: string;
}

/** One network provider of the composite, bound to its observed objects. */
interface Provider {
  /** Why the provider cannot work (checked while Initializing); undefined when it can. */
  problem(): string | undefined;
  ensure(strategy: TrafficRoutingStrategy): Result<TrafficChange>;
  finalise(): Result<TrafficChange>;
}

interface Binding {
  namespace: string;
  network: ObservedNetwork;
  services: GatewayServices;
  ownerRef: OwnerReference;
}

const done: TrafficStep = { done: true, actions: [] };

function failure(error: string): TrafficStep {
  return { done: false, actions: [], error };
}

function customProvider(observed: CustomObservation[], b: Binding): Provider {
  const { network } = b;
  const targets = (): Result<CustomTarget[]> => {
    const bound: CustomTarget[] = [];
    for (const seen of observed) {
      if (seen.unreadable) return fail("invalid-object", seen.unreadable);
      const script = resolveCustomScript(seen.ref, network.configData, network.configNamespace);
      if (!script.ok) return script;
      bound.push({ ref: seen.ref, object: seen.object, script: script.value });
    }
    return ok(bound);
  };
  return {
    problem() {
      const missing = observed.find((seen) => seen.object === undefined && !seen.unreadable);
      if (missing) return `${missing.ref.kind} ${b.namespace}/${missing.ref.name} not found`;
      const bound = targets();
      return bound.ok ? undefined : bound.error.message;
    },
    ensure(strategy) {
      const bound = targets();
      if (!bound.ok) return bound;
      return ensureCustomRoutes(bound.value, strategy, { ...b.services, vm: network.vm });
    },
    finalise() {
      // restoring needs no script, but an object that cannot be read cannot be restored either
      const unreadable = observed.find((seen) => seen.unreadable)?.unreadable;
      return unreadable ? fail("invalid-object", unreadable) : finaliseCustomRoutes(observed);
    },
  };
}

function ingressProvider(routing: NonNullable<TrafficRoutingRef["ingress"]>, b: Binding): Provider {
  const { network } = b;
  const script = resolveIngressScript(routing.classType, network.configData);
  return {
    problem() {
      if (network.stableIngress === undefined) return `Ingress ${b.namespace}/${routing.name} not found`;
      return script.ok ? undefined : script.error.message;
    },
    ensure(strategy) {
      if (!script.ok) return script;
      const observed = { stable: network.stableIngress, canary: network.canaryIngress };
      return ensureIngressRoutes(observed, strategy, {
        namespace: b.namespace,
        ingressName: routing.name,
        ...b.services,
        ownerRef: b.ownerRef,
        script: script.value,
        vm: network.vm,
      });
    },
    finalise: () => ok(finaliseIngress(network.canaryIngress)),
  };
}

function gatewayProvider(routing: NonNullable<TrafficRoutingRef["gateway"]>, b: Binding): Provider {
  const { network } = b;
  const name = routing.httpRouteName;
  const unnamed = "trafficRoutings[0].gateway.httpRouteName is not set";
  return {
    problem() {
      if (!name) return unnamed;
      return network.httpRoute === undefined ? `HTTPRoute ${b.namespace}/${name} not found` : undefined;
    },
    ensure(strategy) {
      if (!name) return fail("invalid-object", unnamed);
      return ensureHTTPRoute(network.httpRoute, strategy, b.services, `${b.namespace}/${name}`);
    },
    finalise: () => ok(finaliseHTTPRoute(network.httpRoute, b.services)),
  };
}

function providersOf(ref: TrafficRoutingRef, b: Binding): Provider[] {
  const providers: Provider[] = [];
  if (ref.customNetworkRefs) providers.push(customProvider(b.network.custom, b));
  if (ref.ingress) providers.push(ingressProvider(ref.ingress, b));
  if (ref.gateway) providers.push(gatewayProvider(ref.gateway, b));
  return providers;
}

const noProvider = "trafficRoutings[0] names no ingress, gateway or customNetworkRefs";

/** Runs one call on every provider; done only when all are, and any failure fails the whole. */
function composite(providers: Provider[], call: (p: Provider) => Result<TrafficChange>): TrafficStep {
  if (providers.length === 0) return failure(noProvider);
  const actions: Action[] = [];
  const errors: string[] = [];
  let allDone = true;
  for (const provider of providers) {
    const result = call(provider);
    if (!result.ok) {
      errors.push(result.error.message);
      continue;
    }
    allDone &&= result.value.done;
    actions.push(...result.value.actions);
  }
  if (errors.length > 0) return failure(errors.join("; "));
  return { done: allDone, actions };
}

// The API schema validated requestHeaderModifier as a Gateway API HTTPHeaderFilter.
function stepStrategy(canaryStep: CanaryStep): TrafficRoutingStrategy {
  return trafficStrategyOf(canaryStep as TrafficRoutingStrategy);
}

const inert: TrafficOps = {
  initialize: () => ({ ok: true }),
  patchStableService: () => done,
  restoreStableService: () => done,
  ensureRoutes: () => done,
  routeAllTrafficToNew: () => done,
  restoreGateway: () => done,
  removeCanaryService: () => done,
};

export function bindTrafficOps(network: ObservedNetwork, ctx: TrafficOpsContext): TrafficOps {
  const { rollout } = ctx;
  const strategy = strategyOf(rollout);
  const ref = strategy.trafficRoutings?.[0];
  if (ref === undefined) return inert;
  const namespace = rollout.metadata.namespace;
  const options = { disableGenerateCanaryService: strategy.disableGenerateCanaryService ?? false };
  const generated = generatesCanaryService(options);
  const ownerRef: OwnerReference = {
    apiVersion: rollout.apiVersion,
    kind: rollout.kind,
    name: rollout.metadata.name,
    uid: rollout.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
  const services = { stableService: ref.service, canaryService: canaryServiceName(ref.service, options) };
  const providers = providersOf(ref, { namespace, network, services, ownerRef });
  const stable = network.stableService;
  const stableMissing = `Service ${namespace}/${ref.service} not found`;

  /** DoTrafficRouting steps 2, 4 and 5 (the grace wait of step 3 is the state machine's). */
  function ensure(traffic: TrafficRoutingStrategy): TrafficStep {
    if (stable === undefined) return failure(stableMissing);
    if (generated) {
      const ready = ensureServices(stable, network.canaryService, {
        namespace,
        stableService: services.stableService,
        revisionLabelKey: ctx.revisionLabelKey,
        stableRevision: ctx.stableRevision,
        canaryRevision: ctx.podTemplateHash,
        ownerRef,
        ...(strategy.patchPodTemplateMetadata?.labels
          ? { canarySelectorPatch: strategy.patchPodTemplateMetadata.labels }
          : {}),
      });
      // upstream waits silently until the status carries both revisions
      if (ready.state === "wait-for-revisions") return { done: false, actions: [] };
      if (ready.state === "changed") return { done: false, actions: ready.actions };
    }
    return composite(providers, (p) => p.ensure(traffic));
  }

  return {
    initialize() {
      if (stable === undefined) return { ok: false, error: stableMissing };
      if (providers.length === 0) return { ok: false, error: noProvider };
      const problem = providers.map((p) => p.problem()).find((text) => text !== undefined);
      return problem === undefined ? { ok: true } : { ok: false, error: problem };
    },
    patchStableService() {
      // the stable Service doubles as the canary one: pinning it would starve the canary
      if (!generated) return done;
      if (stable === undefined) return failure(stableMissing);
      if (!ctx.stableRevision) return failure("status.canaryStatus.stableRevision is empty");
      const pin = pinStableService(stable, ctx.revisionLabelKey, ctx.stableRevision);
      return pin ? { done: false, actions: [pin] } : done;
    },
    restoreStableService: () => restoreStableService(stable, ctx.revisionLabelKey),
    ensureRoutes: (canaryStep) => {
      const traffic = stepStrategy(canaryStep);
      return needsTrafficRouting(traffic) ? ensure(traffic) : done;
    },
    // blue-green's final switch touches routes only: the Services were settled by the steps
    routeAllTrafficToNew: () => composite(providers, (p) => p.ensure({ traffic: "100%" })),
    restoreGateway: () => composite(providers, (p) => p.finalise()),
    removeCanaryService: () => removeCanaryService(network.canaryService, options),
  };
}
