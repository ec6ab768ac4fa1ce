import { holdAction } from "../trafficrouting/plan.js";
import { aborting, cancelOutcome } from "./abort.js";
import { runBackgroundAnalysis } from "./analysis.js";
import { runCanary } from "./canary.js";
import {
  ConditionType,
  getCondition,
  ProgressingReason,
  removeCondition,
  setCondition,
} from "./conditions.js";
import { type FinaliseReason, finaliseSequence, resetSequence, styleOf, walkFinalising } from "./finalise.js";
import { rolloutHash } from "./hash.js";
import type { CanaryStatus, RolloutStatus } from "./model.js";
import type { RolloutObserved, RolloutPlan } from "./observed.js";
import { Pass } from "./pass.js";
import { nextIndexAfter, strategyOf } from "./steps.js";
import {
  RolloutFinalizer,
  RolloutHashAnnotation,
  TrafficRoutingAnnotation,
  WorkloadTypeLabel,
  workloadTypeOf,
} from "./well-known.js";

/**
 * The Rollout state machine (spec §3): observed state in, desired status and actions
 * out. No I/O, and the clock is `observed.now`.
 */
export function planRollout(observed: RolloutObserved): RolloutPlan {
  const pass = new Pass(observed);
  const { rollout } = observed;
  const deleting = !!rollout.metadata.deletionTimestamp;
  const finalizers = rollout.metadata.finalizers ?? [];

  // Metadata first: hash annotation, finalizer, workload-type label.
  const hash = rolloutHash(rollout.spec.strategy);
  const metaPatch: Record<string, unknown> = {};
  if (!deleting && rollout.metadata.annotations?.[RolloutHashAnnotation] !== hash) {
    metaPatch.annotations = { [RolloutHashAnnotation]: hash };
  }
  const terminated =
    getCondition(rollout.status?.conditions, ConditionType.Terminating)?.reason === "Completed";
  if (deleting && terminated && finalizers.includes(RolloutFinalizer)) {
    metaPatch.finalizers = finalizers.filter((f) => f !== RolloutFinalizer);
  } else if (!deleting && !finalizers.includes(RolloutFinalizer)) {
    metaPatch.finalizers = [...finalizers, RolloutFinalizer];
  }
  if (Object.keys(metaPatch).length > 0) {
    pass.actions.push({
      kind: "patch",
      target: pass.rolloutTarget(),
      patchType: "merge",
      // No resourceVersion guard: the status write just before it bumps the version,
      // and these fields have no other writer to race with.
      patch: { metadata: metaPatch },
    });
  }
  if (deleting && terminated) return finish(pass);

  const workload = observed.workload;
  if (workload && !deleting && workload.labels[WorkloadTypeLabel] === undefined) {
    pass.actions.push({
      kind: "patch",
      target: workload.ref,
      patchType: "merge",
      patch: { metadata: { labels: { [WorkloadTypeLabel]: workloadTypeOf(workload.ref.kind) } } },
    });
    // The label is what routes the workload's updates through the hold webhook: until it
    // is on the workload, report nothing that suggests the Rollout is in charge.
    return { status: rollout.status ?? pass.status, actions: pass.actions, requeueAfterMs: 500 };
  }

  const persistedPhase = rollout.status?.phase;
  if (!calculateStatus(pass, hash)) return finish(pass);
  if (workload && !workload.statusConsistent) {
    // The workload controller has not caught up; decide nothing on a stale status.
    return { status: rollout.status ?? pass.status, actions: pass.actions, requeueAfterMs: 3000 };
  }

  switch (persistedPhase) {
    case "Progressing":
      progressing(pass, hash);
      break;
    case "Terminating":
      if (finalise(pass, "RolloutDeleting")) {
        pass.status.conditions = setCondition(
          pass.status.conditions,
          {
            type: ConditionType.Terminating,
            status: "False",
            reason: "Completed",
            message: "Rollout is in terminating",
          },
          pass.now,
        );
        pass.requeue(0);
      }
      break;
    case "Disabling":
      if (finalise(pass, "RolloutDisabled")) {
        pass.status.phase = "Disabled";
        pass.status.message = "Rollout is disabled";
      }
      break;
  }
  return finish(pass);
}

function finish(pass: Pass): RolloutPlan {
  const s = pass.status;
  s.currentStepIndex = s.canaryStatus?.currentStepIndex ?? 0;
  s.currentStepState = s.canaryStatus?.currentStepState ?? "";
  return {
    status: s,
    actions: pass.actions,
    ...(pass.requeueAfterMs !== undefined ? { requeueAfterMs: pass.requeueAfterMs } : {}),
  };
}

function rolloutIdOf(pass: Pass): string {
  const w = pass.observed.workload;
  if (!w) return "";
  const label = w.labels["rollouts.kruise.io/rollout-id"];
  if (label) return label;
  return w.isRollback ? `rollback-${w.canaryRevision}` : w.canaryRevision;
}

function freshSubStatus(pass: Pass, hash: string): CanaryStatus {
  const w = pass.observed.workload;
  const n = strategyOf(pass.rollout).steps.length;
  return {
    observedWorkloadGeneration: w?.generation ?? 0,
    rolloutHash: hash,
    observedRolloutID: rolloutIdOf(pass),
    stableRevision: w?.stableRevision ?? "",
    canaryRevision: w?.canaryRevision ?? "",
    podTemplateHash: "",
    canaryReplicas: 0,
    canaryReadyReplicas: 0,
    currentStepIndex: 1,
    nextStepIndex: nextIndexAfter(1, n),
    currentStepState: "BeforeStepUpgrade",
    finalisingStep: "",
    lastUpdateTime: pass.nowIso,
  };
}

/** Spec §3.2. Returns false when there is nothing more to do in this pass. */
function calculateStatus(pass: Pass, hash: string): boolean {
  const { rollout, workload } = pass.observed;
  const s: RolloutStatus = pass.status;
  s.observedGeneration = rollout.metadata.generation ?? 0;

  if (rollout.metadata.deletionTimestamp) {
    if (!getCondition(s.conditions, ConditionType.Terminating)) {
      s.conditions = setCondition(
        s.conditions,
        {
          type: ConditionType.Terminating,
          status: "True",
          reason: "InTerminating",
          message: "Rollout is in terminating",
        },
        pass.now,
      );
    }
    s.phase = "Terminating";
    return true;
  }
  if (rollout.spec.disabled) {
    if (s.phase !== "Disabled" && s.phase !== "Disabling") {
      if (s.phase === "Progressing") {
        s.phase = "Disabling";
        s.message = "Disabling rollout, release resources";
      } else {
        s.phase = "Disabled";
        s.message = "Rollout is disabled";
      }
    }
    return true;
  }
  if (!s.phase) s.phase = "Initial";
  if (!workload) {
    pass.status.phase = "Initial";
    pass.status.message = "Workload Not Found";
    delete pass.status.canaryStatus;
    delete pass.status.conditions;
    return false;
  }
  const sub = s.canaryStatus;
  if (sub && sub.canaryRevision === workload.canaryRevision) {
    sub.observedRolloutID = rolloutIdOf(pass);
    sub.observedWorkloadGeneration = workload.generation;
  }
  switch (s.phase) {
    case "Initial":
      s.phase = "Healthy";
      s.message = "rollout is healthy";
      break;
    case "Healthy":
      if (workload.inProgressing) {
        s.phase = "Progressing";
        s.conditions = setCondition(
          removeCondition(s.conditions, ConditionType.Succeeded),
          {
            type: ConditionType.Progressing,
            status: "True",
            reason: ProgressingReason.Initializing,
            message: "Rollout is in Progressing",
          },
          pass.now,
        );
        s.message = "Rollout is in Progressing";
        pass.requeue(0);
      } else if (!sub) {
        const n = strategyOf(rollout).steps.length;
        s.canaryStatus = {
          ...freshSubStatus(pass, hash),
          podTemplateHash: workload.podTemplateHash,
          currentStepIndex: n,
          nextStepIndex: -1,
          currentStepState: "Completed",
        };
        s.message = "workload deployment is completed";
      }
      break;
    case "Disabled":
      s.phase = "Healthy";
      s.message = "rollout is healthy";
      break;
  }
  return true;
}

function transition(pass: Pass, reason: string, message: string, status: "True" | "False" = "True"): void {
  pass.status.conditions = setCondition(
    pass.status.conditions,
    { type: ConditionType.Progressing, status, reason, message },
    pass.now,
  );
  pass.status.message = message;
  pass.requeue(0);
}

function finalise(pass: Pass, reason: FinaliseReason): boolean {
  return walkFinalising(pass, finaliseSequence(styleOf(pass), reason), reason);
}

/** Spec §3.3: the Progressing sub-machine, keyed by the Progressing condition's reason. */
function progressing(pass: Pass, hash: string): void {
  const cond = getCondition(pass.status.conditions, ConditionType.Progressing);
  const workload = pass.observed.workload;
  if (!cond || !workload) return;
  switch (cond.reason) {
    case ProgressingReason.Initializing: {
      pass.status.canaryStatus = freshSubStatus(pass, hash);
      const traffic = pass.observed.traffic;
      if (traffic) {
        const init = traffic.initialize();
        if (!init.ok) {
          pass.status.message = init.error ?? "traffic routing is not ready";
          pass.requeue(3000);
          return;
        }
      }
      // A shared TrafficRouting object routes for us while we hold it.
      if (pass.observed.trafficRouting !== undefined) {
        const tr = pass.observed.trafficRouting;
        if (
          !tr ||
          tr.status?.phase === "Finalizing" ||
          tr.status?.phase === "Terminating" ||
          tr.metadata.deletionTimestamp
        ) {
          pass.status.message = `waiting for TrafficRouting ${pass.rollout.metadata.annotations?.[TrafficRoutingAnnotation] ?? ""} to be ready`;
          pass.requeue(3000);
          return;
        }
        const hold = holdAction(tr, pass.rollout.metadata.name, true);
        if (hold) {
          pass.actions.push(hold);
          pass.requeue(1000);
          return;
        }
      }
      // Absorb a workload and its Rollout edited together: wait 3 s after the transition.
      const since = pass.now.getTime() - Date.parse(cond.lastUpdateTime ?? pass.nowIso);
      if (since < 3000) {
        pass.requeue(3000 - since);
        return;
      }
      transition(pass, ProgressingReason.InRolling, "Rollout is in Progressing");
      return;
    }
    case ProgressingReason.InRolling:
      inRolling(pass, hash);
      return;
    case ProgressingReason.Finalising:
      if (finalise(pass, "Success")) {
        transition(pass, ProgressingReason.Completed, "Rollout progressing has been completed", "False");
        pass.status.conditions = setCondition(
          pass.status.conditions,
          {
            type: ConditionType.Succeeded,
            status: "True",
            reason: "Completed",
            message: "Rollout progressing has been completed",
          },
          pass.now,
        );
        pass.event("Normal", "Completed", "Rollout progressing has been completed");
      }
      return;
    case ProgressingReason.Paused:
      if (!pass.rollout.spec.strategy.paused)
        transition(pass, ProgressingReason.InRolling, cond.message ?? "Rollout is in Progressing");
      return;
    case ProgressingReason.Cancelling:
      if (finalise(pass, "Rollback")) {
        const outcome = cancelOutcome(cond);
        transition(pass, ProgressingReason.Completed, outcome.message, "False");
        pass.status.conditions = setCondition(
          pass.status.conditions,
          {
            type: ConditionType.Succeeded,
            status: "False",
            reason: outcome.reason,
            message: outcome.message,
          },
          pass.now,
        );
        pass.event("Normal", outcome.reason, outcome.message);
      }
      return;
    case ProgressingReason.Aborting:
      aborting(pass, cond);
      return;
    case ProgressingReason.Completed:
      pass.status.phase = "Healthy";
      pass.requeue(0);
      return;
  }
}

function inRolling(pass: Pass, hash: string): void {
  const workload = pass.observed.workload;
  const sub = pass.canary;
  if (!workload || !sub) return;

  if (workload.isRollback && workload.canaryRevision !== sub.canaryRevision) {
    sub.canaryRevision = workload.canaryRevision;
    pass.event("Normal", "Rollback", "workload has been rollback, then rollout is canceled");
    transition(
      pass,
      ProgressingReason.Cancelling,
      "The workload has been rolled back and the rollout process will be canceled",
    );
    return;
  }
  if (pass.rollout.spec.strategy.paused) {
    transition(pass, ProgressingReason.Paused, "Rollout has been paused, you can resume it by kube-cli");
    return;
  }
  if (sub.canaryRevision && sub.canaryRevision !== workload.canaryRevision && !workload.isRollback) {
    if (pass.rollout.spec.strategy.blueGreen) {
      // Upstream refuses (BadRequest) and says so in the condition and the status; the release
      // stays where it is until the template goes back to the released or the stable revision.
      const refused =
        "new version releasing detected in the progress of blue-green release, please rollback first";
      const cond = getCondition(pass.status.conditions, ConditionType.Progressing);
      if (cond) cond.message = refused;
      pass.status.message = refused;
      return;
    }
    if (sub.finalisingStep === "")
      pass.event(
        "Normal",
        "ContinuousRelease",
        "workload continuous publishing canaryRevision, then restart publishing",
      );
    const sequence = pass.observed.traffic ? resetSequence : (["ReleaseWorkloadControl"] as const).slice();
    if (!walkFinalising(pass, [...sequence], "Rollback")) return;
    delete pass.status.canaryStatus;
    transition(pass, ProgressingReason.Initializing, "Workload is continuous release");
    return;
  }
  if (sub.rolloutHash && sub.rolloutHash !== hash) {
    replan(pass, hash);
  }
  if (sub.currentStepState === "Completed") {
    transition(
      pass,
      ProgressingReason.Finalising,
      "Rollout has been completed and some closing work is being done",
    );
    return;
  }
  const n = strategyOf(pass.rollout).steps.length;
  if (sub.nextStepIndex === 0 || sub.nextStepIndex < -1 || sub.nextStepIndex > n) {
    sub.nextStepIndex = nextIndexAfter(sub.currentStepIndex, n);
  }
  if (!runBackgroundAnalysis(pass)) return;
  runCanary(pass);
}

/**
 * Spec §3.5, plan change: the steps were edited mid-flight. Land on the first step
 * whose replicas cover what is already released, so nothing goes backwards.
 */
function replan(pass: Pass, hash: string): void {
  const sub = pass.canary;
  const workload = pass.observed.workload;
  if (!sub || !workload) return;
  const steps = strategyOf(pass.rollout).steps;
  const released = sub.canaryReplicas;
  const order = [sub.currentStepIndex - 1, ...steps.keys()];
  let target = steps.length;
  for (const i of order) {
    const step = steps[i];
    if (!step) continue;
    const r =
      typeof step.replicas === "string" && step.replicas.endsWith("%")
        ? Math.ceil((Number.parseInt(step.replicas, 10) * workload.replicas) / 100)
        : Number(step.replicas ?? 0);
    if (r >= released) {
      target = i + 1;
      break;
    }
  }
  sub.rolloutHash = hash;
  if (target !== sub.currentStepIndex) {
    sub.nextStepIndex = target;
  }
  pass.event("Normal", "PlanChanged", `rollout plan changed, continuing at step ${target}`);
}
