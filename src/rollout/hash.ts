import { createHash } from "node:crypto";
import type { CanaryStep, CanaryStrategy, HttpRouteMatch, TrafficRoutingRef } from "./model.js";

// The `rollouts.kruise.io/hash` annotation: sha256 of the strategy as Go's
// encoding/json would print it (struct field order, omitempty), with pauses and the
// failure threshold blanked so that editing them is not a "plan change". Matching
// upstream byte for byte lets us take over a Rollout the Go controller started
// without restarting its release.

const alphabet = "bcdfghjklmnpqrstvwxz2456789";

/** k8s.io/apimachinery's SafeEncodeString. */
export function safeEncode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += alphabet[s.charCodeAt(i) % alphabet.length];
  return out;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Keeps keys in the given order and drops the omitempty ones that are empty. */
function ordered(entries: [string, Json | undefined, "omitempty"?][]): Json {
  const out: { [k: string]: Json } = {};
  for (const [key, value, omit] of entries) {
    if (value === undefined) continue;
    if (omit && (value === "" || value === 0 || value === false || value === null)) continue;
    if (omit && Array.isArray(value) && value.length === 0) continue;
    if (
      omit &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      value !== null &&
      Object.keys(value).length === 0 &&
      key !== "pause"
    )
      continue;
    out[key] = value;
  }
  return out;
}

function sortedMap(m: Record<string, string> | undefined): Json | undefined {
  if (!m || Object.keys(m).length === 0) return undefined;
  return Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((k) => [k, m[k] as string]),
  );
}

function match(m: HttpRouteMatch): Json {
  const header = (h: { type?: string; name: string; value: string }) =>
    ordered([
      ["type", h.type, "omitempty"],
      ["name", h.name],
      ["value", h.value],
    ]);
  return ordered([
    [
      "path",
      m.path
        ? ordered([
            ["type", m.path.type, "omitempty"],
            ["value", m.path.value, "omitempty"],
          ])
        : undefined,
      "omitempty",
    ],
    ["headers", m.headers?.map(header), "omitempty"],
    ["queryParams", m.queryParams?.map(header), "omitempty"],
  ]);
}

function step(s: CanaryStep): Json {
  return ordered([
    ["traffic", s.traffic, "omitempty"],
    ["requestHeaderModifier", s.requestHeaderModifier as Json | undefined, "omitempty"],
    ["matches", s.matches?.map(match), "omitempty"],
    ["replicas", s.replicas, "omitempty"],
    // Go emits the (blanked) pause struct even with omitempty.
    ["pause", {}],
  ]);
}

function trafficRouting(t: TrafficRoutingRef): Json {
  return ordered([
    ["service", t.service],
    ["gracePeriodSeconds", t.gracePeriodSeconds, "omitempty"],
    [
      "ingress",
      t.ingress
        ? ordered([
            ["classType", t.ingress.classType, "omitempty"],
            ["name", t.ingress.name],
          ])
        : undefined,
      "omitempty",
    ],
    [
      "gateway",
      t.gateway
        ? ordered([
            ["httpRouteName", t.gateway.httpRouteName, "omitempty"],
            ["port", t.gateway.port, "omitempty"],
          ])
        : undefined,
      "omitempty",
    ],
    [
      "customNetworkRefs",
      t.customNetworkRefs?.map((r) =>
        ordered([
          ["apiVersion", r.apiVersion],
          ["kind", r.kind],
          ["name", r.name],
        ]),
      ),
      "omitempty",
    ],
  ]);
}

export function strategyJson(s: CanaryStrategy): string {
  return JSON.stringify(
    ordered([
      ["steps", s.steps.map(step), "omitempty"],
      ["trafficRoutings", s.trafficRoutings?.map(trafficRouting), "omitempty"],
      [
        "patchPodTemplateMetadata",
        s.patchPodTemplateMetadata
          ? ordered([
              ["annotations", sortedMap(s.patchPodTemplateMetadata.annotations), "omitempty"],
              ["labels", sortedMap(s.patchPodTemplateMetadata.labels), "omitempty"],
            ])
          : undefined,
        "omitempty",
      ],
      ["enableExtraWorkloadForCanary", s.enableExtraWorkloadForCanary, "omitempty"],
      ["trafficRoutingRef", s.trafficRoutingRef, "omitempty"],
      ["disableGenerateCanaryService", s.disableGenerateCanaryService, "omitempty"],
    ]),
  );
}

export function rolloutHash(strategy: { canary?: CanaryStrategy; blueGreen?: CanaryStrategy }): string {
  const s = strategy.blueGreen ?? strategy.canary;
  if (!s) return "";
  return safeEncode(createHash("sha256").update(strategyJson(s)).digest("hex"));
}
