// Partition style for OpenKruise Advanced DaemonSets (spec §4.9, upstream partitionstyle/daemonset):
// the webhook holds the set with rollingUpdate.partition 32767; Initialize sets the partition to
// the set's size and unpauses it; each batch lowers the partition to the pods that stay stable.

import { type Action, patch } from "../actions.js";
import { controlInfoAnnotation } from "../keys.js";
import { advancedDaemonSetState, type DaemonSet } from "../workloads/daemonset.js";
import { ownedPods } from "../workloads/statefulset.js";
import { done, notYet, type ObservedRelease, type ReleaseControl } from "./control.js";
import { controlInfo, isControlledBy } from "./control-info.js";
import {
  daemonSetBatch,
  daemonSetBatchLabels,
  daemonSetBatchReady,
  withRecountedNoNeedUpdate,
} from "./daemonset-batch.js";
import { partitionSync } from "./partition-sync.js";
import { initializeBookkeeping } from "./rollback-initialize.js";

export function advancedDaemonSetControl(observed: ObservedRelease): ReleaseControl {
  const { release } = observed;
  const plan = release.spec.releasePlan;
  const ds = observed.workload as DaemonSet | undefined;
  const pods = ds ? ownedPods(ds, observed.pods ?? []) : [];
  const workload = ds ? advancedDaemonSetState(ds, pods) : undefined;
  const legacy = observed.legacyBatchLabels ?? true;

  return {
    sync: (status) => partitionSync(release, workload, status),

    initialize(status) {
      if (!ds || !workload) return notYet("workload not found");
      const actions: Action[] = [];
      if (!isControlledBy(release, ds)) {
        actions.push(
          patch(workload.target, "merge", {
            metadata: { annotations: { [controlInfoAnnotation]: controlInfo(release) } },
            spec: { updateStrategy: { rollingUpdate: { paused: false, partition: workload.replicas } } },
          }),
        );
      }
      return initializeBookkeeping(release, workload, status, pods, plan.rolloutID ?? "", actions);
    },

    upgradeBatch(observedStatus) {
      if (!ds || !workload) return notYet("workload not found");
      if (workload.replicas === 0) return done();
      const { status, noNeedUpdate } = withRecountedNoNeedUpdate(release, observedStatus, pods);
      const ctx = daemonSetBatch(release, workload.replicas, status);
      const current = ds.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
      const actions: Action[] = [];
      // The partition only ever goes down: a batch never sends updated pods back.
      if (current > ctx.desiredPartition) {
        actions.push(
          patch(workload.target, "merge", {
            spec: { updateStrategy: { rollingUpdate: { partition: ctx.desiredPartition } } },
          }),
        );
      }
      return done(
        [...actions, ...daemonSetBatchLabels(release, workload.replicas, status, pods, legacy)],
        noNeedUpdate === undefined ? {} : { status: { noNeedUpdateReplicas: noNeedUpdate } },
      );
    },

    ensureBatchReady: (status) =>
      daemonSetBatchReady(release, workload, status, pods, workload?.status.updatedReadyReplicas ?? 0),

    finalize() {
      if (!ds || !workload) return done();
      const promote = plan.batchPartition === undefined || plan.batchPartition === null;
      const hasInfo = controlInfoAnnotation in workload.annotations;
      const rollingUpdate = ds.spec.updateStrategy?.rollingUpdate;
      const held = rollingUpdate?.partition != null || rollingUpdate?.paused === true;
      if (!hasInfo && !(promote && held)) return done();
      return done([
        patch(workload.target, "merge", {
          metadata: { annotations: { [controlInfoAnnotation]: null } },
          ...(promote
            ? { spec: { updateStrategy: { rollingUpdate: { partition: null, paused: false } } } }
            : {}),
        }),
      ]);
    },

    drive: () => [],
  };
}
