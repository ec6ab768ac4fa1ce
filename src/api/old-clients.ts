import { isJsonObject, type Json, type JsonObject, toJson } from "./json.js";
import { applyRestores, decodeRestores, type Restore } from "./restore.js";
import { Annotations } from "./well-known.js";

// Surviving old clients (issue §5). `vela workflow suspend|resume|rollback` GET a v1alpha1 Rollout
// into openkruise/rollouts v0.3.0 Go types and PUT the whole object back (spec, or status through
// /status). Fields those types do not know are dropped, and Go's `omitempty` / non-pointer structs
// change a few more. ObjectMeta survives whole, so the v1alpha1 view carries *pins* in its
// `rollouts.kruise.io/v1beta1-only` restore annotation: compare-and-set restores from the value
// such a write leaves behind to the value we served. Policy:
//
// - Pinned (kept when a v1alpha1 write drops them): steps[].requestHeaderModifier, a missing
//   steps[].pause (v0.3.0 always writes `pause: {}`), trafficRoutings[].customNetworkRefs,
//   trafficRoutings[].gracePeriodSeconds 0 (dropped by omitempty, then defaulted to 3),
//   canary.patchPodTemplateMetadata, canary.disableGenerateCanaryService, strategy.paused false, and
//   in the status canaryStatus.nextStepIndex / finalisingStep (which conversion otherwise defaults
//   to current+1 and "", what the controller holds mid-step; it corrects them on its next pass).
// - The price: through v1alpha1 these fields can be changed but not removed (or, for a 0 grace
//   period, reset to 3); remove them through v1beta1. Writes through v1beta1 are never pinned.
// - Not pinned: `spec.disabled`. A write through v1alpha1 that leaves it false must be able to
//   re-enable a Rollout, and vela only writes Rollouts that are progressing or paused.
// - Our later extensions (analysis and the like) must follow the same rule: v1beta1-only fields
//   live in the restore annotation, v1alpha1 fields unknown to v0.3.0 get a pin here.

const GO_DEFAULT_GRACE_PERIOD = 3;

const obj = (v: Json | undefined): JsonObject | undefined => (isJsonObject(v) ? v : undefined);
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

/** Pins for a v1alpha1 Rollout as served (paths are the same in v1beta1). */
export function oldClientPins(alpha: JsonObject): Restore[] {
  const pins: Restore[] = [];
  const pin = (path: (string | number)[], to: Json | undefined, from?: Json) =>
    pins.push({ path, ...(from !== undefined && { from }), ...(to !== undefined && { to }) });
  const strategy = obj(obj(alpha.spec)?.strategy);
  if (strategy?.paused === false) pin(["spec", "strategy", "paused"], false);
  const canary = obj(strategy?.canary);
  if (canary) {
    const at = ["spec", "strategy", "canary"];
    for (const key of ["patchPodTemplateMetadata", "disableGenerateCanaryService"]) {
      if (canary[key] !== undefined) pin([...at, key], canary[key]);
    }
    list(canary.steps).forEach((step, i) => {
      const s = obj(step);
      if (!s) return;
      if (s.requestHeaderModifier !== undefined)
        pin([...at, "steps", i, "requestHeaderModifier"], s.requestHeaderModifier);
      if (s.pause === undefined) pin([...at, "steps", i, "pause"], undefined, {});
    });
    list(canary.trafficRoutings).forEach((ref, i) => {
      const r = obj(ref);
      if (!r) return;
      if (r.customNetworkRefs !== undefined)
        pin([...at, "trafficRoutings", i, "customNetworkRefs"], r.customNetworkRefs);
      if (r.gracePeriodSeconds === 0) {
        pin([...at, "trafficRoutings", i, "gracePeriodSeconds"], 0, GO_DEFAULT_GRACE_PERIOD);
      }
    });
  }
  const canaryStatus = obj(obj(alpha.status)?.canaryStatus);
  if (canaryStatus) {
    const at = ["status", "canaryStatus"];
    const current = typeof canaryStatus.currentStepIndex === "number" ? canaryStatus.currentStepIndex : 0;
    const next = canaryStatus.nextStepIndex;
    if (next !== undefined && next !== current + 1) pin([...at, "nextStepIndex"], next, current + 1);
    const step = canaryStatus.finalisingStep;
    if (step !== undefined && step !== "") pin([...at, "finalisingStep"], step, "");
  }
  return pins;
}

const PINNED = [
  /^spec\.strategy\.paused$/,
  /^spec\.strategy\.canary\.(patchPodTemplateMetadata|disableGenerateCanaryService)$/,
  /^spec\.strategy\.canary\.steps\.\d+\.(requestHeaderModifier|pause)$/,
  /^spec\.strategy\.canary\.trafficRoutings\.\d+\.(customNetworkRefs|gracePeriodSeconds)$/,
  /^status\.canaryStatus\.(nextStepIndex|finalisingStep)$/,
];

/**
 * A v1alpha1 object as it will be stored: with the pins of its restore annotation applied (their
 * paths are the same in both versions). The validating webhook judges this, not the raw write.
 */
export function withOldClientPins<T>(alpha: T): T {
  const out = toJson(alpha as JsonObject);
  const metadata = obj(out.metadata);
  const annotation = obj(metadata?.annotations)?.[Annotations.v1beta1Only];
  const pins = decodeRestores(typeof annotation === "string" ? annotation : undefined).filter((r) =>
    PINNED.some((p) => p.test(r.path.join("."))),
  );
  return applyRestores(out, pins) as T;
}
