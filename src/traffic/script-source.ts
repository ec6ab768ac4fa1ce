// Where a provider's Lua script comes from, as upstream resolves it
// (pkg/util/configuration, ingress.go getTrafficRoutingIngressLuaScript, custom provider
// getLuaScript). Note the opposite precedence of the two families:
//   * Ingress classes: ConfigMap key `lua.traffic.routing.ingress.<classType>` wins over the
//     built-in script, so users can override nginx behaviour.
//   * Custom providers: the built-in script for `<group>/<Kind>` wins; the ConfigMap key
//     `lua.traffic.routing.<Kind>.<group>` is only read when there is no built-in one.
// The ConfigMap is `kruise-rollout-configuration` in the controller's namespace (POD_NAMESPACE,
// default kruise-rollout); the shell reads it and passes its `data` (undefined when absent).

import { fail, ok, type Result } from "./errors.js";
import { builtinIngressScripts } from "./ingress-scripts.js";
import { builtinCustomScripts } from "./istio-scripts.js";
import type { ObjectRef } from "./model.js";

export const rolloutConfigurationName = "kruise-rollout-configuration";
export const defaultRolloutNamespace = "kruise-rollout";

export interface ResolvedScript {
  /** The ConfigMap key or built-in path; named in every error the script causes. */
  key: string;
  source: "configmap" | "builtin";
  script: string;
}

export type ConfigMapData = Readonly<Record<string, string>> | undefined;

export function ingressClassType(classType: string | undefined): string {
  return classType ? classType : "nginx";
}

export function resolveIngressScript(
  classType: string | undefined,
  config: ConfigMapData,
): Result<ResolvedScript> {
  const type = ingressClassType(classType);
  const key = `lua.traffic.routing.ingress.${type}`;
  const override = config?.[key];
  // upstream treats an empty value like a missing key
  if (override) return ok({ key, source: "configmap", script: override });
  const path = `lua_configuration/trafficrouting_ingress/${type}.lua`;
  const builtin = builtinIngressScripts[type];
  if (builtin === undefined) {
    return fail(
      "script-not-found",
      `${type} lua script is not found (no built-in script, no ConfigMap key ${key})`,
      key,
    );
  }
  return ok({ key: path, source: "builtin", script: builtin });
}

export function resolveCustomScript(
  ref: ObjectRef,
  config: ConfigMapData,
  namespace = defaultRolloutNamespace,
): Result<ResolvedScript> {
  const group = ref.apiVersion.split("/")[0] ?? "";
  const path = `lua_configuration/${group}/${ref.kind}/trafficRouting.lua`;
  const builtin = builtinCustomScripts[path];
  if (builtin !== undefined) return ok({ key: path, source: "builtin", script: builtin });
  const key = `lua.traffic.routing.${ref.kind}.${group}`;
  if (config === undefined) {
    return fail("script-not-found", `failed to get ConfigMap(${namespace}/${rolloutConfigurationName})`, key);
  }
  const script = config[key];
  if (script === undefined) {
    return fail(
      "script-not-found",
      `expected script not found neither locally nor in ConfigMap (key ${key})`,
      key,
    );
  }
  return ok({ key, source: "configmap", script });
}
