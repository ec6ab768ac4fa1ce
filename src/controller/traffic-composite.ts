import type { CanaryStep } from "../rollout/model.js";
import type { TrafficOps, TrafficStep } from "../rollout/observed.js";

/**
 * Several `trafficRoutings` driven as one: every operation runs on every routing, its
 * writes are concatenated, it is done only when all are done, and any failure is
 * reported with the failures of the others (and then nothing is written, so the
 * routings never drift apart). Upstream allows a single routing; this is how a
 * release can move an Ingress and a mesh together.
 */
export function composeTrafficOps(parts: TrafficOps[]): TrafficOps {
  if (parts.length === 1 && parts[0]) return parts[0];
  const all = (run: (ops: TrafficOps) => TrafficStep): TrafficStep => {
    const outcomes = parts.map(run);
    const errors = outcomes.flatMap((o) => (o.error ? [o.error] : []));
    if (errors.length > 0) return { done: false, actions: [], error: errors.join("; ") };
    return { done: outcomes.every((o) => o.done), actions: outcomes.flatMap((o) => o.actions) };
  };
  return {
    initialize() {
      const problems = parts.map((p) => p.initialize()).filter((r) => !r.ok);
      return problems.length === 0
        ? { ok: true }
        : { ok: false, error: problems.map((p) => p.error ?? "traffic routing not ready").join("; ") };
    },
    patchStableService: () => all((p) => p.patchStableService()),
    restoreStableService: () => all((p) => p.restoreStableService()),
    ensureRoutes: (step: CanaryStep) => all((p) => p.ensureRoutes(step)),
    routeAllTrafficToNew: () => all((p) => p.routeAllTrafficToNew()),
    restoreGateway: () => all((p) => p.restoreGateway()),
    removeCanaryService: () => all((p) => p.removeCanaryService()),
  };
}
