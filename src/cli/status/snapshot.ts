// Everything `status` shows, read in one go: the Rollout, its BatchRelease and the workload's pods.
import type { BatchRelease, Pod } from "../../release/model.js";
import type { Rollout } from "../../rollout/model.js";
import type { Cluster } from "../cluster.js";

export interface Snapshot {
  rollout: Rollout;
  batchRelease: BatchRelease | null;
  pods: Pod[];
}

export async function readSnapshot(cluster: Cluster, name: string): Promise<Snapshot> {
  const rollout = await cluster.getRollout(name);
  const [batchRelease, workload] = await Promise.all([
    cluster.getBatchRelease(name),
    cluster.getWorkload(rollout),
  ]);
  const pods = workload ? await cluster.listPods(workload.spec.selector?.matchLabels ?? {}) : [];
  return { rollout, batchRelease, pods: pods.filter((p) => !p.metadata.deletionTimestamp) };
}
