// Custom network providers (`customNetworkRefs`, e.g. Istio VirtualService / DestinationRule;
// upstream network/customNetworkProvider, v0.6.2).
//
// Before its first change each object gets a snapshot of what it was — JSON {spec, labels,
// annotations} in annotation `rollouts.kruise.io/original-spec-configuration`. Every step runs
// the provider's Lua script on that snapshot rather than on the live object, so a step's
// result never depends on earlier steps, and Finalise puts the snapshot back exactly (the
// snapshot annotation itself disappears with it).
//
// Upstream stores the snapshot with one Update and writes the script result with a second one
// in the same call; here both are one replace of the whole object, which ends in the same state.
// A script failure for any object fails the whole call before anything is written.

import { type TrafficAction, type TrafficChange, writeAction } from "./actions.js";
import { fail, ok, type Result } from "./errors.js";
import { goJson, jsonEqual } from "./json.js";
import type { LuaVm } from "./lua-vm.js";
import type { KubeObject, ObjectRef, TrafficRoutingStrategy } from "./model.js";
import type { ResolvedScript } from "./script-source.js";
import { canaryWeight } from "./steps.js";

export const originalSpecAnnotation = "rollouts.kruise.io/original-spec-configuration";

/** The snapshot, and the shape scripts receive as `obj.data` and return. */
export interface CustomData {
  spec?: unknown;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface CustomContext {
  stableService: string;
  canaryService: string;
  vm: LuaVm;
}

export interface CustomTarget {
  ref: ObjectRef;
  /** undefined when the object does not exist. */
  object: KubeObject | undefined;
  script: ResolvedScript;
}

function nonEmpty(map: Record<string, string> | undefined): Record<string, string> | undefined {
  return map && Object.keys(map).length > 0 ? map : undefined;
}

/** The snapshot annotation value for an object not yet under a rollout (Go's field order). */
export function snapshotOf(object: KubeObject): string {
  const { [originalSpecAnnotation]: _previous, ...annotations } = object.metadata?.annotations ?? {};
  const data: CustomData = {};
  if (object.spec !== undefined && object.spec !== null) data.spec = object.spec;
  const labels = nonEmpty(object.metadata?.labels);
  if (labels) data.labels = labels;
  if (nonEmpty(annotations)) data.annotations = annotations;
  return `{${["spec", "labels", "annotations"]
    .filter((key) => data[key as keyof CustomData] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${goJson(data[key as keyof CustomData])}`)
    .join(",")}}`;
}

function parseSnapshot(text: string, name: string): Result<CustomData> {
  try {
    const data: unknown = JSON.parse(text);
    if (data !== null && typeof data === "object" && !Array.isArray(data)) return ok(data as CustomData);
  } catch {
    // reported below
  }
  return fail("invalid-object", `${name}: annotation ${originalSpecAnnotation} is not a JSON object`);
}

function describe(target: Omit<CustomTarget, "script">): string {
  return `${target.ref.kind}(${target.object?.metadata?.namespace ?? ""}/${target.ref.name})`;
}

/** Runs the script for one step on a snapshot: the data the object should now carry. */
export function runCustomScript(
  snapshot: CustomData,
  strategy: TrafficRoutingStrategy,
  script: ResolvedScript,
  ctx: CustomContext,
): Result<CustomData> {
  const weight = canaryWeight(strategy) ?? -1;
  const input = {
    data: snapshot,
    canaryWeight: weight,
    stableWeight: 100 - weight,
    ...(strategy.matches ? { matches: strategy.matches } : {}),
    canaryService: ctx.canaryService,
    stableService: ctx.stableService,
    ...(strategy.requestHeaderModifier ? { requestHeaderModifier: strategy.requestHeaderModifier } : {}),
  };
  const run = ctx.vm.run(script.key, script.script, input);
  if (!run.ok) return run;
  const data = run.value ?? {};
  if (typeof data !== "object" || Array.isArray(data)) {
    return fail(
      "lua-result",
      `lua script "${script.key}" must return a table {spec, labels, annotations}`,
      script.key,
    );
  }
  const { spec, labels, annotations } = data as Record<string, unknown>;
  for (const [field, map] of [
    ["labels", labels],
    ["annotations", annotations],
  ] as const) {
    const valid =
      map === undefined ||
      map === null ||
      (typeof map === "object" &&
        !Array.isArray(map) &&
        Object.values(map).every((v) => typeof v === "string"));
    if (!valid) return fail("lua-result", `lua script "${script.key}" returned invalid ${field}`, script.key);
  }
  return ok({
    ...(spec !== undefined && spec !== null ? { spec } : {}),
    ...(labels ? { labels: labels as Record<string, string> } : {}),
    ...(annotations ? { annotations: annotations as Record<string, string> } : {}),
  });
}

/** The object carrying `data`, keeping identity, resourceVersion and everything else of `live`. */
function withData(live: KubeObject, data: CustomData, snapshot: string | undefined): KubeObject {
  const object = structuredClone(live);
  const { spec, labels, annotations } = data;
  if (spec === undefined) delete object.spec;
  else object.spec = structuredClone(spec);
  const metadata = { ...object.metadata };
  const nextAnnotations = {
    ...annotations,
    ...(snapshot !== undefined ? { [originalSpecAnnotation]: snapshot } : {}),
  };
  if (Object.keys(nextAnnotations).length > 0) metadata.annotations = nextAnnotations;
  else delete metadata.annotations;
  if (nonEmpty(labels)) metadata.labels = { ...labels };
  else delete metadata.labels;
  object.metadata = metadata;
  return object;
}

function sameData(a: KubeObject, b: KubeObject): boolean {
  return (
    jsonEqual(a.spec, b.spec) &&
    jsonEqual(nonEmpty(a.metadata?.labels) ?? {}, nonEmpty(b.metadata?.labels) ?? {}) &&
    jsonEqual(a.metadata?.annotations ?? {}, b.metadata?.annotations ?? {})
  );
}

/** EnsureRoutes for all custom refs of a TrafficRoutingRef. */
export function ensureCustomRoutes(
  targets: readonly CustomTarget[],
  strategy: TrafficRoutingStrategy,
  ctx: CustomContext,
): Result<TrafficChange> {
  const actions: TrafficAction[] = [];
  for (const target of targets) {
    const live = target.object;
    if (live === undefined) return fail("invalid-object", `${describe(target)} not found`);
    const snapshot = live.metadata?.annotations?.[originalSpecAnnotation] || snapshotOf(live);
    const original = parseSnapshot(snapshot, describe(target));
    if (!original.ok) return original;
    const desired = runCustomScript(original.value, strategy, target.script, ctx);
    if (!desired.ok) return desired;
    const next = withData(live, desired.value, snapshot);
    if (!sameData(live, next)) actions.push(writeAction("replace", next));
  }
  return ok({ done: actions.length === 0, actions });
}

/**
 * Finalise: every object that carries a snapshot gets it back, without the annotation. No
 * script is involved, so restoring works even when the provider's script cannot be resolved.
 */
export function finaliseCustomRoutes(
  targets: readonly Omit<CustomTarget, "script">[],
): Result<TrafficChange> {
  const actions: TrafficAction[] = [];
  for (const target of targets) {
    const live = target.object;
    const snapshot = live?.metadata?.annotations?.[originalSpecAnnotation];
    if (live === undefined || !snapshot) continue;
    const original = parseSnapshot(snapshot, describe(target));
    if (!original.ok) return original;
    actions.push(writeAction("replace", withData(live, original.value, undefined)));
  }
  return ok({ done: actions.length === 0, actions });
}
