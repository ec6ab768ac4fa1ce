// Watches each status the rollout reconciler writes: logs phase and step transitions on the
// Rollout's own child logger, and times steps for kruise_rollout_step_duration_seconds.
// A step's start is only known if this process saw it begin; after a restart or a leader
// change, the step in flight is not timed rather than timed from a guess.
import type { Logger } from "pino";
import type { Rollout, RolloutStatus } from "../rollout/model.js";
import type { Metrics } from "./metrics.js";

export function rolloutTransitions(metrics: Metrics, now: () => number = Date.now) {
  const started = new Map<string, { step: number; at: number }>();
  return (rollout: Rollout, status: RolloutStatus, log: Logger): void => {
    const key = `${rollout.metadata.namespace}/${rollout.metadata.name}`;
    const before = rollout.status;
    const sub = status.canaryStatus;
    if (before?.phase !== status.phase)
      log.info({ phase: status.phase, previousPhase: before?.phase ?? "" }, "rollout phase changed");
    const step = sub?.currentStepIndex ?? 0;
    const state = sub?.currentStepState ?? "";
    if (before?.canaryStatus?.currentStepIndex !== step || before?.canaryStatus?.currentStepState !== state)
      log.info({ step, state }, "rollout step changed");

    const running = status.phase === "Progressing" && sub !== undefined && state !== "Completed";
    const tracked = started.get(key);
    if (tracked && (!running || tracked.step !== step)) {
      metrics.stepDuration.observe({ step: String(tracked.step) }, (now() - tracked.at) / 1000);
      started.delete(key);
    }
    // A step is seen beginning when the previous status was on another step (or none).
    const entered =
      before?.canaryStatus?.currentStepIndex !== step ||
      before?.canaryStatus?.currentStepState === "Completed" ||
      before?.phase !== "Progressing";
    if (running && !started.has(key) && entered) started.set(key, { step, at: now() });
  };
}
