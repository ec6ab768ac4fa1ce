import { Messages } from "./messages.js";

// CEL (`x-kubernetes-validations`) rules for the §7.3 checks that need neither cluster state nor
// manager flags. They are attached to the zod schemas as metadata, so the CRD generator emits them
// where they apply. The validating webhook (validation.ts) checks the same rules with the same
// messages, so v1alpha1 requests and clusters without CEL get identical answers.

export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
}

export const celMeta = (...rules: CelRule[]) => ({ "x-kubernetes-validations": rules });

/** Go's Atoi-based percentage check of (0%, 100%], as a regular expression (RE2 and JS agree). */
export const POSITIVE_PERCENT = "^[+]?0*([1-9][0-9]?|100)%$";
/** The same for [0%, 100%]; Go also accepts "-0%". */
export const NON_NEGATIVE_PERCENT = "^([+]?0*([0-9][0-9]?|100)|-0+)%$";

const replicasInRange = `type(self.replicas) == int ? self.replicas > 0 : self.replicas.matches('${POSITIVE_PERCENT}')`;

export const stepRules = (traffic: "canary" | "blueGreen"): CelRule[] => [
  { rule: "has(self.replicas)", message: Messages.replicasEmpty, fieldPath: ".replicas" },
  {
    rule: `!has(self.replicas) || (${replicasInRange})`,
    message: Messages.replicasRange,
    fieldPath: ".replicas",
  },
  traffic === "canary"
    ? {
        rule: `!has(self.traffic) || self.traffic.matches('${POSITIVE_PERCENT}')`,
        message: Messages.canaryTraffic,
        fieldPath: ".traffic",
      }
    : {
        rule: `!has(self.traffic) || self.traffic.matches('${NON_NEGATIVE_PERCENT}')`,
        message: Messages.blueGreenTraffic,
        fieldPath: ".traffic",
      },
];

export const strategyRules: CelRule[] = [
  { rule: "has(self.canary) || has(self.blueGreen)", message: Messages.strategyEmpty },
  { rule: "!(has(self.canary) && has(self.blueGreen))", message: Messages.strategyBoth },
];

export const subStrategyRules: CelRule[] = [
  { rule: "has(self.steps) && size(self.steps) > 0", message: Messages.stepsEmpty, fieldPath: ".steps" },
  {
    rule: "!has(self.trafficRoutings) || size(self.trafficRoutings) <= 8",
    message: Messages.tooManyTrafficRoutings,
    fieldPath: ".trafficRoutings",
  },
];

export const trafficRoutingRefRules: CelRule[] = [
  {
    rule: "!has(self.gracePeriodSeconds) || self.gracePeriodSeconds >= 0",
    message: Messages.graceNegative,
    fieldPath: ".gracePeriodSeconds",
  },
  { rule: "size(self.service) > 0", message: Messages.serviceEmpty, fieldPath: ".service" },
  {
    rule: "has(self.ingress) || has(self.gateway) || has(self.customNetworkRefs)",
    message: Messages.routingNotSet,
  },
];

export const ingressRules: CelRule[] = [
  { rule: "size(self.name) > 0", message: Messages.ingressNameEmpty, fieldPath: ".name" },
];

export const gatewayRules: CelRule[] = [
  { rule: "has(self.httpRouteName) && size(self.httpRouteName) > 0", message: Messages.gatewayRouteEmpty },
];
