// Native apps/v1 DaemonSets (spec §4.9, upstream master partitionstyle/nativedaemonset): the
// webhook switches the set to OnDelete, so the DaemonSet controller only replaces pods someone
// deletes. Each batch writes the `daemonset-advanced-control` annotation (pods to keep on the old
// revision, and the revision to move to); our native-DaemonSet controller deletes old pods until
// that many remain. Finalize puts the original update strategy back.

import { type Action, patch } from "../actions.js";
import { controlInfoAnnotation } from "../keys.js";
import {
  type DaemonSet,
  daemonSetAdvancedControlAnnotation,
  daemonSetOriginalStrategyAnnotation,
  daemonSetRevisionAnnotation,
  formatAdvancedControl,
  nativeDaemonSetState,
  parseAdvancedControl,
  updatedReadyPods,
} from "../workloads/daemonset.js";
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

const releaseAnnotations = [
  controlInfoAnnotation,
  daemonSetRevisionAnnotation,
  daemonSetAdvancedControlAnnotation,
  daemonSetOriginalStrategyAnnotation,
];

export function nativeDaemonSetControl(observed: ObservedRelease): ReleaseControl {
  const { release } = observed;
  const plan = release.spec.releasePlan;
  const ds = observed.workload as DaemonSet | undefined;
  const pods = ds ? ownedPods(ds, observed.pods ?? []) : [];
  const workload = ds ? nativeDaemonSetState(ds, observed.controllerRevisions ?? [], pods) : undefined;
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
            spec: { updateStrategy: { type: "OnDelete" } },
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
      const desired = { partition: String(ctx.desiredPartition), batchRevision: status.updateRevision ?? "" };
      const current = parseAdvancedControl(workload.annotations);
      const actions: Action[] = [];
      // Unlike a partition field, the annotation is rewritten whenever it differs. Upstream compares
      // the partition only, which leaves the old batch revision in place after a continuous
      // release restarts at the same partition, so no pod ever counts as updated.
      if (current.partition !== desired.partition || current.batchRevision !== desired.batchRevision) {
        const value = formatAdvancedControl(desired);
        actions.push(
          patch(workload.target, "merge", {
            metadata: { annotations: { [daemonSetAdvancedControlAnnotation]: value } },
          }),
        );
      }
      return done(
        [...actions, ...daemonSetBatchLabels(release, workload.replicas, status, pods, legacy)],
        noNeedUpdate === undefined ? {} : { status: { noNeedUpdateReplicas: noNeedUpdate } },
      );
    },

    // Counted against the revision this release recorded, not the DaemonSet's newest one.
    ensureBatchReady: (status) =>
      daemonSetBatchReady(
        release,
        workload,
        status,
        pods,
        ds ? updatedReadyPods(ds, pods, status.updateRevision ?? "") : 0,
      ),

    finalize() {
      if (!ds || !workload) return done();
      const promote = plan.batchPartition === undefined || plan.batchPartition === null;
      const original = workload.annotations[daemonSetOriginalStrategyAnnotation] || "RollingUpdate";
      // Without our annotations the original strategy is unknown (a pass already restored it).
      if (!releaseAnnotations.some((a) => a in workload.annotations)) return done();
      return done([
        patch(workload.target, "merge", {
          metadata: { annotations: Object.fromEntries(releaseAnnotations.map((a) => [a, null])) },
          ...(promote ? { spec: { updateStrategy: { type: original } } } : {}),
        }),
      ]);
    },

    drive: () => [],
  };
}
