import type { KubeClient } from "../kube/client.js";
import { createLuaVm } from "../traffic/lua-vm.js";
import { readNetwork } from "./read-network.js";
import { bindTrafficOps } from "./traffic-ops.js";
import { hasTrafficRoutings, type TrafficSource } from "./traffic-source.js";

/**
 * The process's traffic source: one Lua VM for the process (each script call still
 * gets a fresh Lua state), the network objects read fresh for every pass, and the
 * operations bound to them with the revisions the Rollout status has recorded.
 */
export async function trafficSource(client: KubeClient, configNamespace: string): Promise<TrafficSource> {
  const vm = await createLuaVm();
  return async (rollout, workload) => {
    if (!hasTrafficRoutings(rollout)) return null;
    const network = await readNetwork(client, rollout, configNamespace, vm);
    const sub = rollout.status?.canaryStatus;
    return bindTrafficOps(network, {
      rollout,
      stableRevision: sub?.stableRevision ?? "",
      podTemplateHash: sub?.podTemplateHash ?? "",
      revisionLabelKey: workload?.revisionLabelKey ?? "pod-template-hash",
    });
  };
}
