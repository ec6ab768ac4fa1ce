import type { KubeClient } from "../kube/client.js";
import type { TrafficSource } from "./traffic-source.js";

/**
 * The traffic source of the process. Rollouts with trafficRoutings are not driven yet
 * in this build; they see no traffic operations and release batches only.
 */
export async function trafficSource(_client: KubeClient, _configNamespace: string): Promise<TrafficSource> {
  return async () => null;
}
