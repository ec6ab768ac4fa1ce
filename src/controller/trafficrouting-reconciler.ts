import type { Logger } from "pino";
import type { KubeClient } from "../kube/client.js";
import type { ReconcileResult } from "../kube/queue.js";
import type { Rollout } from "../rollout/model.js";
import type { LuaVm } from "../traffic/lua-vm.js";
import { planTrafficRouting, type TrafficRoutingObject } from "../trafficrouting/plan.js";
import { act, type EventSink } from "./act.js";
import { type Caches, resources } from "./caches.js";
import { readNetwork } from "./read-network.js";
import { writeStatus } from "./status-patch.js";
import { bindTrafficOps } from "./traffic-ops.js";

export interface TrafficRoutingReconcilerDeps {
  client: KubeClient;
  caches: Caches;
  events: EventSink;
  log: Logger;
  vm: LuaVm;
  configNamespace: string;
}

/**
 * The object's routes seen as a Rollout's would be: its refs, its own strategy, and
 * the stable Service standing in for the canary one (a shared canary never touches
 * Service selectors). Canary objects it creates are owned by the TrafficRouting.
 */
export function routingView(tr: TrafficRoutingObject): Rollout {
  return {
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "TrafficRouting",
    metadata: {
      name: tr.metadata.name,
      namespace: tr.metadata.namespace,
      uid: (tr.metadata as { uid?: string }).uid ?? "",
    },
    spec: {
      workloadRef: { apiVersion: "", kind: "", name: "" },
      strategy: {
        canary: {
          steps: [],
          trafficRoutings: tr.spec.objectRef as NonNullable<
            Rollout["spec"]["strategy"]["canary"]
          >["trafficRoutings"],
          disableGenerateCanaryService: true,
        },
      },
    },
  } as unknown as Rollout;
}

export function trafficRoutingReconciler(
  deps: TrafficRoutingReconcilerDeps,
): (key: string) => Promise<ReconcileResult> {
  return async (key) => {
    const tr = deps.caches.trafficRoutings.cache.get(key) as TrafficRoutingObject | undefined;
    if (!tr) return {};
    const view = routingView(tr);
    const network = await readNetwork(deps.client, view, deps.configNamespace, deps.vm);
    const ops = bindTrafficOps(network, {
      rollout: view,
      stableRevision: "",
      podTemplateHash: "",
      revisionLabelKey: "pod-template-hash",
    });
    const refs = tr.spec.objectRef as { gracePeriodSeconds?: number }[];
    const graceMs = Math.max(0, ...refs.map((r) => r.gracePeriodSeconds ?? 3)) * 1000;
    const plan = planTrafficRouting(tr, ops, graceMs);
    const target = {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "TrafficRouting",
      namespace: tr.metadata.namespace,
      name: tr.metadata.name,
    };
    await writeStatus(deps.client, resources.trafficRoutings, tr, plan.status);
    await act(deps.client, plan.actions, deps.events, target);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {};
  };
}
