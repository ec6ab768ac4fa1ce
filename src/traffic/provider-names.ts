// Provider names used outside the Rollout API, mapped to a TrafficRoutingRef. The KubeVela
// catalog `kruise-rollout` trait (addon 1.3+) takes `trafficRoutings[].type` in
// "ingress" | "gateway" | "aliyun-alb", with `ingressName` / `gatewayHTTPRouteName`
// defaulting to the component name; addon 1.0–1.2, its README, the official docs and the seed
// write `type: nginx`. The catalog trait renders nothing for "aliyun-alb" (a bug); here every
// ingress-class name becomes an Ingress ref of that class, which is what users meant.

import type { TrafficRoutingRef } from "./model.js";

export interface TraitTrafficRouting {
  type?: string;
  service?: string;
  gracePeriodSeconds?: number;
  ingressName?: string;
  gatewayHTTPRouteName?: string;
}

/** Trait type -> Ingress classType ("" keeps upstream's default, nginx). */
const ingressTypes: Readonly<Record<string, string>> = {
  ingress: "",
  nginx: "",
  "aliyun-alb": "aliyun-alb",
  mse: "mse",
  higress: "higress",
};

export const traitProviderNames: readonly string[] = [...Object.keys(ingressTypes), "gateway"];

/** undefined for an unknown type, so the caller can report it. */
export function trafficRoutingFromTrait(
  routing: TraitTrafficRouting,
  componentName: string,
  defaultGracePeriodSeconds = 5,
): TrafficRoutingRef | undefined {
  const type = routing.type ?? "ingress";
  const base: TrafficRoutingRef = {
    service: routing.service ?? componentName,
    gracePeriodSeconds: routing.gracePeriodSeconds ?? defaultGracePeriodSeconds,
  };
  if (type === "gateway")
    return { ...base, gateway: { httpRouteName: routing.gatewayHTTPRouteName ?? componentName } };
  const classType = ingressTypes[type];
  if (classType === undefined) return undefined;
  const name = routing.ingressName ?? componentName;
  return { ...base, ingress: classType ? { classType, name } : { name } };
}
