import { isDeepStrictEqual } from "node:util";
import { acknowledgeAnalysis, analysisHold, runStepAnalysis } from "./analysis.js";
import { checkProgressDeadline } from "./deadline.js";
import { graceMs, graceRemainingMs } from "./finalise.js";
import type { CanaryStep } from "./model.js";
import type { Pass } from "./pass.js";
import { batchReleaseObject, desiredBatchReleaseSpec } from "./release-request.js";
import { hasTraffic, isRealPartition, nextIndexAfter, resolveReplicas, strategyOf } from "./steps.js";

const brTarget = (pass: Pass) => ({
  apiVersion: "rollouts.kruise.io/v1beta1",
  kind: "BatchRelease",
  namespace: pass.rollout.metadata.namespace,
  name: pass.rollout.metadata.name,
});

/**
 * Creates or updates the BatchRelease for a step. Returns true when the observed one
 * already matches (upstream runBatchRelease).
 */
function runBatchRelease(pass: Pass, stepIndex: number): boolean {
  const sub = pass.canary;
  if (!sub) return false;
  const desired = desiredBatchReleaseSpec(pass.rollout, stepIndex, sub.observedRolloutID ?? "");
  const br = pass.observed.batchRelease;
  if (!br) {
    pass.actions.push({ kind: "create", object: batchReleaseObject(pass.rollout, desired) });
    pass.requeue(1000);
    return false;
  }
  const observedPlan = { ...br.spec.releasePlan };
  delete observedPlan.finalizingPolicy;
  const observed = { ...br.spec, releasePlan: observedPlan };
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(observed)), JSON.parse(JSON.stringify(desired)))) {
    pass.actions.push({
      kind: "patch",
      target: brTarget(pass),
      patchType: "merge",
      patch: {
        spec: { ...desired, releasePlan: { ...(desired.releasePlan as object), finalizingPolicy: null } },
      },
      precondition: { resourceVersion: br.resourceVersion },
    });
    pass.requeue(1000);
    return false;
  }
  return true;
}

function batchReady(pass: Pass, stepIndex: number): boolean {
  const br = pass.observed.batchRelease;
  if (!br) return false;
  const cs = br.status.canaryStatus;
  return (
    br.status.observedReleasePlanHash === br.specPlanHash &&
    br.status.observedGeneration === br.generation &&
    cs?.batchState === "Ready" &&
    cs.currentBatch + 1 >= stepIndex
  );
}

/** Spec §3.5: a user patched nextStepIndex to jump. Returns true if it jumped. */
function jumpIfAsked(pass: Pass, steps: CanaryStep[]): boolean {
  const sub = pass.canary;
  if (!sub) return false;
  const expected = nextIndexAfter(sub.currentStepIndex, steps.length);
  const target = sub.nextStepIndex;
  if (target === expected || target < 1 || target > steps.length) return false;
  const replicas = pass.observed.workload?.replicas ?? 0;
  const targetReplicas = resolveReplicas(steps[target - 1]?.replicas, replicas);
  sub.currentStepIndex = target;
  sub.nextStepIndex = nextIndexAfter(target, steps.length);
  sub.currentStepState = targetReplicas === sub.canaryReplicas ? "StepTrafficRouting" : "BeforeStepUpgrade";
  pass.touch();
  pass.status.message = `Rollout is in step(${target}/${steps.length}), jumped by a nextStepIndex update`;
  pass.event("Normal", "StepJump", `jumped to step ${target}`);
  return true;
}

/**
 * One canary or partition step (spec §3.4). Pure transitions fall through within a
 * pass; anything that needs the cluster to change first ends the pass.
 */
export function runCanary(pass: Pass): void {
  const sub = pass.canary;
  const workload = pass.observed.workload;
  if (!sub || !workload) return;
  const steps = strategyOf(pass.rollout).steps;
  const n = steps.length;
  const br = pass.observed.batchRelease;

  if (br) {
    sub.canaryReplicas = br.status.canaryStatus?.updatedReplicas ?? 0;
    sub.canaryReadyReplicas = br.status.canaryStatus?.updatedReadyReplicas ?? 0;
    const cs = br.status.canaryStatus;
    sub.message = `BatchRelease is at state ${cs?.batchState ?? ""}, rollout-id ${br.status.observedRolloutID ?? ""}, step ${(cs?.currentBatch ?? 0) + 1}${br.status.message ? `, ${br.status.message}` : ""}`;
  }
  if (!sub.podTemplateHash) sub.podTemplateHash = workload.podTemplateHash;
  if (jumpIfAsked(pass, steps)) return;

  const current = steps[sub.currentStepIndex - 1];
  if (!current) return;
  const traffic = pass.observed.traffic;
  const grace = graceMs(pass);

  // A batch-only step tears traffic routing down before it runs.
  if (traffic && !hasTraffic(current)) {
    for (const op of [traffic.restoreStableService, traffic.restoreGateway, traffic.removeCanaryService]) {
      const outcome = op.call(traffic);
      if (outcome.error) {
        // Never skip a failed restore: the next op would remove what traffic still uses.
        sub.message = outcome.error;
        pass.status.message = outcome.error;
        pass.requeue(3000);
        return;
      }
      if (outcome.actions.length > 0) {
        pass.actions.push(...outcome.actions);
        pass.requeue(Math.max(grace, 1000));
        return;
      }
    }
  }

  const fullPartition =
    isRealPartition(pass.rollout) &&
    resolveReplicas(current.replicas, workload.replicas) >= workload.replicas;

  for (let guard = 0; guard < 8; guard++) {
    switch (sub.currentStepState) {
      case "BeforeStepUpgrade": {
        if (!hasTraffic(current) || !traffic) {
          sub.currentStepState = "StepUpgrade";
          pass.requeue(0);
          return;
        }
        if (fullPartition) {
          const restored = traffic.restoreStableService();
          if (restored.actions.length > 0) {
            pass.actions.push(...restored.actions);
            pass.requeue(Math.max(grace, 1000));
            return;
          }
        } else if (sub.currentStepIndex === 1) {
          const pinned = traffic.patchStableService();
          if (pinned.error) {
            sub.message = pinned.error;
            pass.requeue(3000);
            return;
          }
          if (pinned.actions.length > 0) {
            pass.actions.push(...pinned.actions);
            pass.touch();
            pass.requeue(Math.max(grace, 1000));
            return;
          }
          const remaining = graceRemainingMs(pass, grace);
          if (remaining > 0) {
            pass.requeue(remaining);
            return;
          }
        }
        pass.touch();
        sub.currentStepState = "StepUpgrade";
        break;
      }
      case "StepUpgrade": {
        pass.status.message = `Rollout is in step(${sub.currentStepIndex}/${n}), and upgrade workload to new version`;
        if (!runBatchRelease(pass, sub.currentStepIndex)) {
          checkProgressDeadline(pass);
          return;
        }
        if (!batchReady(pass, sub.currentStepIndex)) {
          if (!checkProgressDeadline(pass)) pass.requeue(2000);
          return;
        }
        pass.event(
          "Normal",
          "StepUpgrade",
          `upgrade step(${sub.currentStepIndex}) canary pods with new versions done`,
        );
        sub.podTemplateHash = workload.podTemplateHash;
        pass.touch();
        sub.currentStepState = fullPartition ? "StepMetricsAnalysis" : "StepTrafficRouting";
        break;
      }
      case "StepTrafficRouting": {
        if (traffic && hasTraffic(current)) {
          const remaining = graceRemainingMs(pass, grace);
          if (remaining > 0) {
            pass.requeue(remaining);
            return;
          }
          const routed = traffic.ensureRoutes(current);
          if (routed.error) {
            sub.message = routed.error;
            pass.status.message = routed.error;
            pass.requeue(3000);
            return;
          }
          if (routed.actions.length > 0) {
            pass.actions.push(...routed.actions);
            pass.touch();
            pass.requeue(Math.max(grace, 1000));
            return;
          }
          if (!routed.done) {
            pass.requeue(1000);
            return;
          }
          pass.event("Normal", "StepTrafficRouting", `step(${sub.currentStepIndex}) traffic routing done`);
        }
        pass.touch();
        sub.currentStepState = "StepMetricsAnalysis";
        break;
      }
      case "StepMetricsAnalysis":
        if (!runStepAnalysis(pass, current)) return;
        break;
      case "StepPaused": {
        const hold = analysisHold(pass);
        if (hold) {
          pass.status.message = `Rollout is in step(${sub.currentStepIndex}/${n}), ${hold}; approve to continue, or roll the workload back`;
          sub.message = pass.status.message;
          return;
        }
        const last = sub.currentStepIndex === n;
        if (last && current.replicas === "100%" && pass.rollout.spec.strategy.blueGreen === undefined) {
          pass.touch();
          sub.currentStepState = "StepReady";
          break;
        }
        const duration = current.pause?.duration;
        if (duration === undefined) {
          pass.status.message = `Rollout is in step(${sub.currentStepIndex}/${n}), and you need manually confirm to enter the next step`;
          sub.message = pass.status.message;
          return;
        }
        pass.status.message = `Rollout is in step(${sub.currentStepIndex}/${n}), and wait duration(${duration} seconds) to enter the next step`;
        const remaining = duration * 1000 - pass.sinceLastUpdate();
        if (remaining > 0) {
          pass.requeue(remaining);
          return;
        }
        pass.touch();
        sub.currentStepState = "StepReady";
        break;
      }
      case "StepReady": {
        acknowledgeAnalysis(pass);
        pass.event("Normal", "StepReady", `step(${sub.currentStepIndex}/${n}) is ready`);
        pass.touch();
        if (sub.currentStepIndex < n) {
          sub.currentStepIndex += 1;
          sub.nextStepIndex = nextIndexAfter(sub.currentStepIndex, n);
          sub.currentStepState = "BeforeStepUpgrade";
          pass.requeue(0);
        } else {
          sub.currentStepState = "Completed";
          pass.status.message = "Rollout has completed all steps";
          pass.requeue(0);
        }
        return;
      }
      case "Completed":
        return;
    }
  }
}
