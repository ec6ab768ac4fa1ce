import { holdAction } from "../trafficrouting/plan.js";
import type { FinalisingStep } from "./model.js";
import type { TrafficStep } from "./observed.js";
import type { Pass } from "./pass.js";
import { rollingStyle } from "./steps.js";
import { defaultGraceSeconds, InProgressingAnnotation } from "./well-known.js";

export type FinaliseReason = "Success" | "Rollback" | "RolloutDisabled" | "RolloutDeleting";

type Task = Exclude<FinalisingStep, "" | "END">;

/** Spec §3.7: the order of the closing work, by style and reason. */
export function finaliseSequence(
  style: "Canary" | "Partition" | "BlueGreen",
  reason: FinaliseReason,
): Task[] {
  if (style === "BlueGreen" && reason === "Success") {
    return [
      "FinalisingStepRouteTrafficToNew",
      "RestoreStableService",
      "ResumeWorkload",
      "FinalisingStepRouteTrafficToStable",
      "RemoveCanaryService",
      "ReleaseWorkloadControl",
    ];
  }
  if (style === "BlueGreen" && reason === "Rollback") {
    return [
      "FinalisingStepRouteTrafficToStable",
      "ResumeWorkload",
      "RestoreStableService",
      "RemoveCanaryService",
      "ReleaseWorkloadControl",
    ];
  }
  if (reason === "Rollback") {
    return [
      "FinalisingStepRouteTrafficToStable",
      "ResumeWorkload",
      "ReleaseWorkloadControl",
      "RestoreStableService",
      "RemoveCanaryService",
    ];
  }
  return [
    "RestoreStableService",
    "FinalisingStepRouteTrafficToStable",
    "RemoveCanaryService",
    "ResumeWorkload",
    "ReleaseWorkloadControl",
  ];
}

/** The continuous-release reset (spec §3.8): the stable selector deliberately stays pinned. */
export const resetSequence: Task[] = [
  "FinalisingStepRouteTrafficToStable",
  "ReleaseWorkloadControl",
  "RemoveCanaryService",
];

export function graceMs(pass: Pass): number {
  const refs =
    (pass.rollout.spec.strategy.blueGreen ?? pass.rollout.spec.strategy.canary)?.trafficRoutings ?? [];
  let grace = 0;
  for (const r of refs) {
    const g = r.gracePeriodSeconds ?? defaultGraceSeconds;
    grace = Math.max(grace, g < 0 ? defaultGraceSeconds : g);
  }
  return grace * 1000;
}

/**
 * How much of the traffic grace period is left after the change that stamped lastUpdateTime.
 * The status stores that time in whole seconds (like metav1.Time), so the change may have been
 * made up to a second after the stored value: that second counts as not yet waited, or a 3 s
 * grace could end after 2 s. A stamp with sub-second digits is taken as exact.
 */
export function graceRemainingMs(pass: Pass, grace: number): number {
  if (grace <= 0) return 0;
  const stamp = pass.canary?.lastUpdateTime;
  const truncated = stamp !== undefined && !/\.\d+Z$/.test(stamp) ? 1000 : 0;
  return Math.max(0, grace + truncated - pass.sinceLastUpdate());
}

const done: TrafficStep = { done: true, actions: [] };

function runTask(pass: Pass, task: Task, reason: FinaliseReason): TrafficStep {
  const traffic = pass.observed.traffic;
  const br = pass.observed.batchRelease;
  const rollout = pass.rollout;
  switch (task) {
    case "RestoreStableService":
      return traffic ? traffic.restoreStableService() : done;
    case "FinalisingStepRouteTrafficToStable":
      return traffic ? traffic.restoreGateway() : done;
    case "FinalisingStepRouteTrafficToNew":
      return traffic ? traffic.routeAllTrafficToNew() : done;
    case "RemoveCanaryService":
      return traffic ? traffic.removeCanaryService() : done;
    case "ResumeWorkload": {
      if (!br) return done;
      const policy = reason === "Success" ? "WaitResume" : "Immediate";
      const plan = br.spec.releasePlan;
      if (
        (plan.batchPartition !== undefined && plan.batchPartition !== null) ||
        plan.finalizingPolicy !== policy
      ) {
        return {
          done: false,
          actions: [
            {
              kind: "patch",
              target: {
                apiVersion: "rollouts.kruise.io/v1beta1",
                kind: "BatchRelease",
                namespace: rollout.metadata.namespace,
                name: rollout.metadata.name,
              },
              patchType: "merge",
              patch: { spec: { releasePlan: { batchPartition: null, finalizingPolicy: policy } } },
            },
          ],
        };
      }
      return { done: br.status.phase === "Completed", actions: [] };
    }
    case "ReleaseWorkloadControl":
      if (!br) return done;
      // Already deleted, its finalizer still held by the release controller: deleting it
      // again changes nothing and costs a request per pass (10 per rollout at 1000 Rollouts).
      // Its removal is a watch event that brings this Rollout back. Upstream waits alike.
      if (br.deleting) return { done: false, actions: [] };
      return {
        done: false,
        actions: [
          {
            kind: "delete",
            target: {
              apiVersion: "rollouts.kruise.io/v1beta1",
              kind: "BatchRelease",
              namespace: rollout.metadata.namespace,
              name: rollout.metadata.name,
            },
          },
        ],
      };
  }
}

/**
 * Walks `finalisingStep` through a sequence, one task per pass. A task that changed
 * something stamps lastUpdateTime, and the next task starts only after the traffic
 * grace period: the network provider needs that long to observe a change. The wait
 * is derived from the persisted status, so it survives a controller restart (upstream
 * keeps it in memory and skips it after a restart).
 */
export function walkFinalising(pass: Pass, sequence: Task[], reason: FinaliseReason): boolean {
  // Release our hold on a shared TrafficRouting object first (upstream doFinalising).
  const tr = pass.observed.trafficRouting;
  const release = tr ? holdAction(tr, pass.rollout.metadata.name, false) : undefined;
  if (release) pass.actions.push(release);
  const sub = pass.canary;
  if (!sub) return true;
  const workload = pass.observed.workload;
  if (workload?.inProgressing) {
    pass.actions.push({
      kind: "patch",
      target: workload.ref,
      patchType: "merge",
      patch: { metadata: { annotations: { [InProgressingAnnotation]: null } } },
    });
  }
  if (sub.finalisingStep === "END") return true;
  let index = sequence.indexOf(sub.finalisingStep as Task);
  if (index < 0) {
    index = 0;
  }
  const grace = graceMs(pass);
  for (; index < sequence.length; index++) {
    const task = sequence[index] as Task;
    sub.finalisingStep = task;
    const outcome = runTask(pass, task, reason);
    if (outcome.error) {
      sub.message = outcome.error;
      pass.requeue(grace || 1000);
      return false;
    }
    if (outcome.actions.length > 0) {
      pass.actions.push(...outcome.actions);
      if (task !== "ResumeWorkload" && task !== "ReleaseWorkloadControl") pass.touch();
      pass.requeue(Math.max(grace, 1000));
      return false;
    }
    if (!outcome.done) {
      pass.requeue(2000);
      return false;
    }
    const remaining = graceRemainingMs(pass, grace);
    if (remaining > 0) {
      pass.requeue(remaining);
      return false;
    }
  }
  sub.finalisingStep = "END";
  pass.touch();
  return true;
}

export function styleOf(pass: Pass): "Canary" | "Partition" | "BlueGreen" {
  return rollingStyle(pass.rollout);
}
