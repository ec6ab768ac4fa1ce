import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.js";
import type { ReconcileResult } from "../kube/queue.js";
import type { BatchRelease } from "../release/model.js";
import { releasePlanHash } from "../release/plan-hash.js";
import { externalStatus, internalRollout } from "../rollout/bluegreen-status.js";
import type { Rollout } from "../rollout/model.js";
import type { BatchReleaseView } from "../rollout/observed.js";
import { planRollout } from "../rollout/plan.js";
import { isRealCanary } from "../rollout/steps.js";
import { TrafficRoutingAnnotation } from "../rollout/well-known.js";
import type { TrafficRoutingObject } from "../trafficrouting/plan.js";
import { act, type EventSink } from "./act.js";
import type { AnalysisSource } from "./analysis-source.js";
import { type Caches, resources } from "./caches.js";
import { toView, workloadCacheReady, workloadState } from "./observe-workload.js";
import { writeStatus } from "./status-patch.js";
import type { TrafficSource } from "./traffic-source.js";

export interface RolloutReconcilerDeps {
  client: KubeClient;
  caches: Caches;
  events: EventSink;
  log: Logger;
  /** Reads the network objects a Rollout routes through and binds the traffic operations to them. */
  traffic: TrafficSource;
  /** Takes the analysis measurements that are due; absent, analysis never runs. */
  analysis?: AnalysisSource;
  /** Told about each status written, with the Rollout's child logger (transition logs, step metrics). */
  onPlanned?: (rollout: Rollout, status: NonNullable<Rollout["status"]>, log: Logger) => void;
}

function releaseView(br: BatchRelease): BatchReleaseView {
  return {
    exists: true,
    deleting: br.metadata.deletionTimestamp !== undefined,
    generation: br.metadata.generation ?? 0,
    resourceVersion: br.metadata.resourceVersion ?? "",
    annotations: br.metadata.annotations ?? {},
    spec: br.spec as unknown as BatchReleaseView["spec"],
    status: (br.status ?? {}) as BatchReleaseView["status"],
    specPlanHash: releasePlanHash(br.spec.releasePlan),
  };
}

/**
 * One Rollout: observe, plan, write the status (only changed fields, guarded by the
 * resourceVersion that was observed), then perform the plan's actions. Writing the
 * status first means a concurrent approval makes the write fail with a conflict and
 * the pass is re-planned from fresh state before anything else changes.
 */
export function rolloutReconciler(deps: RolloutReconcilerDeps): (key: string) => Promise<ReconcileResult> {
  return async (key) => {
    const stored = deps.caches.rollouts.cache.get(key) as Rollout | undefined;
    if (!stored) return {};
    if (!workloadCacheReady(deps.caches, stored.spec.workloadRef)) return { requeueAfterMs: 1000 };
    // Blue-green keeps its sub-status in blueGreenStatus; the state machine reads one shape.
    const rollout = internalRollout(stored);
    const namespace = rollout.metadata.namespace;
    const log = deps.log.child({ namespace, rollout: rollout.metadata.name });
    const state = workloadState(deps.caches, namespace, rollout.spec.workloadRef, isRealCanary(rollout));
    const br = deps.caches.batchReleases.cache.get(key) as BatchRelease | undefined;
    const workload = state ? toView(state) : null;
    const trName = rollout.metadata.annotations?.[TrafficRoutingAnnotation];
    const trafficRouting =
      trName === undefined
        ? {}
        : {
            trafficRouting:
              (deps.caches.trafficRoutings.cache.get(`${namespace}/${trName}`) as
                | TrafficRoutingObject
                | undefined) ?? null,
          };
    const analysis = await deps.analysis?.(rollout);
    const plan = planRollout({
      rollout,
      workload,
      batchRelease: br ? releaseView(br) : null,
      traffic: await deps.traffic(rollout, workload),
      ...trafficRouting,
      ...(analysis && { analysis }),
      now: new Date(),
    });
    if (await writeStatus(deps.client, resources.rollouts, stored, externalStatus(rollout, plan.status))) {
      deps.onPlanned?.(rollout, plan.status, log);
    }
    log.debug(
      {
        phase: plan.status.phase,
        step: plan.status.currentStepIndex,
        state: plan.status.currentStepState,
        actions: plan.actions.length,
      },
      "reconciled",
    );
    const target = {
      apiVersion: "rollouts.kruise.io/v1beta1",
      kind: "Rollout",
      namespace,
      name: rollout.metadata.name,
    };
    await act(deps.client, plan.actions, deps.events, target);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  };
}
