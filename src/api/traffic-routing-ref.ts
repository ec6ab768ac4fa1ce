import { z } from "zod";
import { celMeta, gatewayRules, ingressRules, trafficRoutingRefRules } from "./cel.js";
import { int32, ObjectRef } from "./meta.js";

// How a Rollout (or TrafficRouting) reaches the network objects: the stable Service plus one of
// Ingress, Gateway API HTTPRoute, or Lua-driven custom objects. Same shape in both API versions;
// only v1beta1 Rollouts carry the upstream webhook rules as CEL (v1alpha1 and TrafficRouting are
// checked by the webhook alone, as upstream does).

function trafficRoutingRef(withRules: boolean) {
  const rules = <T extends z.ZodType>(schema: T, cel: Parameters<typeof celMeta>) =>
    withRules ? schema.meta(celMeta(...cel)) : schema;
  return rules(
    z.object({
      service: z.string(),
      gracePeriodSeconds: int32().default(3),
      ingress: rules(
        z.object({ classType: z.string().optional(), name: z.string() }),
        ingressRules,
      ).optional(),
      gateway: rules(z.object({ httpRouteName: z.string().optional() }), gatewayRules).optional(),
      customNetworkRefs: z.array(ObjectRef).optional(),
    }),
    trafficRoutingRefRules,
  );
}

export const TrafficRoutingRef = trafficRoutingRef(false);
export const TrafficRoutingRefWithRules = trafficRoutingRef(true);
export type TrafficRoutingRef = z.infer<typeof TrafficRoutingRef>;
