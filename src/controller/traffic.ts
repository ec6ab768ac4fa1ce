import type { KubeClient } from "../kube/client.js";
import type { LuaVm } from "../traffic/lua-vm.js";
import { readNetwork } from "./read-network.js";
import { composeTrafficOps } from "./traffic-composite.js";
import { bindTrafficOps } from "./traffic-ops.js";
import { hasTrafficRoutings, type TrafficSource } from "./traffic-source.js";

/**
 * The process's traffic source: the process's one Lua VM (each script call still gets
 * a fresh Lua state), the network objects read fresh for every pass, and the
 * operations bound to them with the revisions the Rollout status has recorded.
 */
export function trafficSource(client: KubeClient, configNamespace: string, vm: LuaVm): TrafficSource {
  return async (rollout, workload) => {
    if (!hasTrafficRoutings(rollout)) return null;
    const sub = rollout.status?.canaryStatus;
    const strategyKey = rollout.spec.strategy.blueGreen ? "blueGreen" : "canary";
    const strategy = rollout.spec.strategy[strategyKey];
    // Each routing is read and bound on its own (the binding works on trafficRoutings[0]),
    // then they are driven together.
    const parts = await Promise.all(
      (strategy?.trafficRoutings ?? []).map(async (ref) => {
        const single = {
          ...rollout,
          spec: {
            ...rollout.spec,
            strategy: { ...rollout.spec.strategy, [strategyKey]: { ...strategy, trafficRoutings: [ref] } },
          },
        };
        const network = await readNetwork(client, single, configNamespace, vm);
        return bindTrafficOps(network, {
          rollout: single,
          stableRevision: sub?.stableRevision ?? "",
          podTemplateHash: sub?.podTemplateHash ?? "",
          revisionLabelKey: workload?.revisionLabelKey ?? "pod-template-hash",
        });
      }),
    );
    return composeTrafficOps(parts);
  };
}
