// Reads, for one pass, every network object a Rollout's trafficRoutings[0] refers to, so the
// traffic operations (traffic-ops.ts) can stay pure. Absent objects are undefined rather than
// errors: whether an absence matters depends on the operation (a canary Ingress is missing
// before the first weight, a stable Service must never be). Other API failures propagate, so
// the pass is retried from a fresh read.

import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/resource.js";
import type { Rollout } from "../rollout/model.js";
import { strategyOf } from "../rollout/steps.js";
import { canaryIngressName } from "../traffic/ingress.js";
import type { LuaVm } from "../traffic/lua-vm.js";
import type { ObjectRef } from "../traffic/model.js";
import { rolloutConfigurationName } from "../traffic/script-source.js";
import { canaryServiceName, generatesCanaryService } from "../traffic/services.js";
import { resourceOf, UnknownKindError } from "./kinds.js";
import type { CustomObservation, ObservedNetwork } from "./traffic-ops.js";

export interface ObjectAddress {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/**
 * Fetches one object; undefined when it does not exist. Throws UnknownKindError for a kind the
 * controller has no REST path for, and whatever else the source fails with.
 */
export type GetObject = <T>(at: ObjectAddress) => Promise<T | undefined>;

/** HTTPRoutes are read at the Gateway API's GA version, the one every current install serves. */
const httpRouteVersion = "gateway.networking.k8s.io/v1";

export function readNetwork(
  client: KubeClient,
  rollout: Rollout,
  configNamespace: string,
  vm: LuaVm,
): Promise<ObservedNetwork> {
  return observeNetwork(apiGetter(client), rollout, configNamespace, vm);
}

export function apiGetter(client: KubeClient): GetObject {
  return async <T>(at: ObjectAddress) => {
    const path = resourcePath(resourceOf(at.apiVersion, at.kind), { namespace: at.namespace, name: at.name });
    try {
      return await client.request<T>({ method: "GET", path });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
}

/** readNetwork over any object source (the API server, or an in-memory store in tests). */
export async function observeNetwork(
  get: GetObject,
  rollout: Rollout,
  configNamespace: string,
  vm: LuaVm,
): Promise<ObservedNetwork> {
  const namespace = rollout.metadata.namespace;
  const strategy = strategyOf(rollout);
  const ref = strategy.trafficRoutings?.[0];
  const at = <T>(apiVersion: string, kind: string, name: string | undefined, ns = namespace) =>
    name ? get<T>({ apiVersion, kind, namespace: ns, name }) : Promise.resolve(undefined);
  const service = ref?.service;
  const ingress = ref?.ingress?.name;
  const canaryService = service && generatesCanaryService(strategy) ? canaryServiceName(service) : undefined;
  // only Lua-driven providers need the ConfigMap's script overrides
  const needsScripts = ref?.ingress !== undefined || (ref?.customNetworkRefs?.length ?? 0) > 0;
  const [stable, canary, stableIngress, canaryIngress, httpRoute, config, custom] = await Promise.all([
    at<ObservedNetwork["stableService"]>("v1", "Service", service),
    at<ObservedNetwork["canaryService"]>("v1", "Service", canaryService),
    at<ObservedNetwork["stableIngress"]>("networking.k8s.io/v1", "Ingress", ingress),
    at<ObservedNetwork["canaryIngress"]>(
      "networking.k8s.io/v1",
      "Ingress",
      ingress && canaryIngressName(ingress),
    ),
    at<ObservedNetwork["httpRoute"]>(httpRouteVersion, "HTTPRoute", ref?.gateway?.httpRouteName),
    needsScripts
      ? at<{ data?: Record<string, string> }>("v1", "ConfigMap", rolloutConfigurationName, configNamespace)
      : undefined,
    Promise.all((ref?.customNetworkRefs ?? []).map((custom) => observeCustom(get, custom, namespace))),
  ]);
  return {
    stableService: stable,
    canaryService: canary,
    stableIngress,
    canaryIngress,
    httpRoute,
    custom,
    configData: config?.data,
    configNamespace,
    vm,
  };
}

async function observeCustom(get: GetObject, ref: ObjectRef, namespace: string): Promise<CustomObservation> {
  try {
    return { ref, object: await get({ ...ref, namespace }) };
  } catch (error) {
    // a kind without a REST path is a configuration problem to report, not a transient failure
    if (!(error instanceof UnknownKindError)) throw error;
    return { ref, object: undefined, unreadable: `${ref.kind} ${namespace}/${ref.name}: ${error.message}` };
  }
}
