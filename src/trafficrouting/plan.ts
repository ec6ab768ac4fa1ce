import type { Action } from "../rollout/action.js";
import type { CanaryStep } from "../rollout/model.js";
import type { TrafficOps, TrafficStep } from "../rollout/observed.js";

// The TrafficRouting object (spec §5.7): one traffic-only canary shared by several
// Rollouts. A Rollout opts in with the `rollouts.kruise.io/trafficrouting`
// annotation and holds the object with a `progressing.rollouts.kruise.io/<rollout>`
// finalizer while it releases; the object routes traffic while any such finalizer
// exists and restores it when the last one is gone.

export const ownFinalizer = "rollouts.kruise.io/trafficrouting";
export const progressingPrefix = "progressing.rollouts.kruise.io/";

export interface TrafficRoutingObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec: {
    objectRef: unknown[];
    strategy: {
      weight?: number;
      requestHeaderModifier?: Record<string, unknown>;
      matches?: { headers?: { type?: "Exact" | "RegularExpression"; name: string; value: string }[] }[];
    };
  };
  status?: { observedGeneration?: number; phase?: string; message?: string };
}

export interface TrafficRoutingPlan {
  status: NonNullable<TrafficRoutingObject["status"]>;
  actions: Action[];
  requeueAfterMs?: number;
}

/** The object's strategy as a step the traffic operations understand. */
export function stepOf(tr: TrafficRoutingObject): CanaryStep {
  const s = tr.spec.strategy;
  return {
    ...(s.weight !== undefined ? { traffic: `${s.weight}%` } : {}),
    ...(s.matches?.length ? { matches: s.matches.map((m) => ({ headers: m.headers ?? [] })) } : {}),
    ...(s.requestHeaderModifier ? { requestHeaderModifier: s.requestHeaderModifier } : {}),
  };
}

function target(tr: TrafficRoutingObject) {
  return {
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "TrafficRouting",
    namespace: tr.metadata.namespace,
    name: tr.metadata.name,
  };
}

/** A guarded JSON patch of the finalizer list, so concurrent Rollouts never drop each other's. */
function finalizersPatch(tr: TrafficRoutingObject, next: string[]): Action {
  const current = tr.metadata.finalizers;
  return {
    kind: "patch",
    target: target(tr),
    patchType: "json",
    patch: [
      current === undefined
        ? { op: "test", path: "/metadata/resourceVersion", value: tr.metadata.resourceVersion ?? "" }
        : { op: "test", path: "/metadata/finalizers", value: current },
      { op: "add", path: "/metadata/finalizers", value: next },
    ],
  };
}

export function holders(tr: TrafficRoutingObject): string[] {
  return (tr.metadata.finalizers ?? []).filter((f) => f.startsWith(progressingPrefix));
}

/** One pass of the TrafficRouting controller. `traffic` is bound to the object's own routes. */
export function planTrafficRouting(
  tr: TrafficRoutingObject,
  traffic: TrafficOps,
  graceMs: number,
): TrafficRoutingPlan {
  const status = { ...(tr.status ?? {}), observedGeneration: tr.metadata.generation ?? 0 };
  const finalizers = tr.metadata.finalizers ?? [];
  const apply = (outcome: TrafficStep, onDone: () => void): TrafficRoutingPlan => {
    if (outcome.error)
      return { status: { ...status, message: outcome.error }, actions: [], requeueAfterMs: 3000 };
    if (outcome.actions.length > 0)
      return { status, actions: outcome.actions, requeueAfterMs: Math.max(graceMs, 1000) };
    if (!outcome.done) return { status, actions: [], requeueAfterMs: 3000 };
    onDone();
    return { status, actions: [], requeueAfterMs: 0 };
  };

  if (tr.metadata.deletionTimestamp) {
    status.phase = "Terminating";
    status.message = "TrafficRouting is terminating";
    if (!finalizers.includes(ownFinalizer)) return { status, actions: [] };
    const restored = traffic.restoreGateway();
    if (restored.error || restored.actions.length > 0 || !restored.done)
      return apply(restored, () => undefined);
    return {
      status,
      actions: [
        finalizersPatch(
          tr,
          finalizers.filter((f) => f !== ownFinalizer),
        ),
      ],
    };
  }
  if (!finalizers.includes(ownFinalizer)) {
    return { status, actions: [finalizersPatch(tr, [...finalizers, ownFinalizer])], requeueAfterMs: 0 };
  }
  switch (status.phase ?? "Initial") {
    case "Initial": {
      const init = traffic.initialize();
      if (!init.ok)
        return {
          status: { ...status, phase: "Initial", message: init.error ?? "" },
          actions: [],
          requeueAfterMs: 3000,
        };
      return {
        status: { ...status, phase: "Healthy", message: "TrafficRouting is Healthy" },
        actions: [],
        requeueAfterMs: 0,
      };
    }
    case "Healthy":
      if (holders(tr).length > 0) {
        return {
          status: { ...status, phase: "Progressing", message: "TrafficRouting is Progressing" },
          actions: [],
          requeueAfterMs: 0,
        };
      }
      return { status, actions: [] };
    case "Progressing":
      if (holders(tr).length === 0) {
        return {
          status: { ...status, phase: "Finalizing", message: "TrafficRouting is Finalizing" },
          actions: [],
          requeueAfterMs: 0,
        };
      }
      return apply(traffic.ensureRoutes(stepOf(tr)), () => {
        status.message = "TrafficRouting is Progressing";
      });
    case "Finalizing":
      return apply(traffic.restoreGateway(), () => {
        status.phase = "Healthy";
        status.message = "TrafficRouting is Healthy";
      });
    default:
      return { status: { ...status, phase: "Initial" }, actions: [], requeueAfterMs: 0 };
  }
}

/** What a Rollout writes on the object: take or release its hold. */
export function holdAction(tr: TrafficRoutingObject, rollout: string, hold: boolean): Action | undefined {
  const key = `${progressingPrefix}${rollout}`;
  const finalizers = tr.metadata.finalizers ?? [];
  if (hold === finalizers.includes(key)) return undefined;
  return finalizersPatch(tr, hold ? [...finalizers, key] : finalizers.filter((f) => f !== key));
}
