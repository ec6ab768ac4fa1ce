import type { Action, Target } from "./action.js";
import type { CanaryStatus, Rollout, RolloutStatus } from "./model.js";
import type { RolloutObserved } from "./observed.js";

/** Mutable scratch state of one planning pass: the status being built, actions, requeue. */
export class Pass {
  readonly actions: Action[] = [];
  requeueAfterMs: number | undefined;
  readonly status: RolloutStatus;

  constructor(readonly observed: RolloutObserved) {
    const current = observed.rollout.status;
    this.status = current ? structuredClone(current) : { currentStepIndex: 0, currentStepState: "" };
  }

  get rollout(): Rollout {
    return this.observed.rollout;
  }

  get now(): Date {
    return this.observed.now;
  }

  get nowIso(): string {
    return this.now.toISOString().replace(/\.\d+Z$/, "Z");
  }

  get canary(): CanaryStatus | undefined {
    return this.status.canaryStatus;
  }

  rolloutTarget(): Target {
    const m = this.rollout.metadata;
    return {
      apiVersion: "rollouts.kruise.io/v1beta1",
      kind: "Rollout",
      namespace: m.namespace,
      name: m.name,
    };
  }

  requeue(ms: number): void {
    const clamped = Math.max(0, Math.ceil(ms));
    this.requeueAfterMs =
      this.requeueAfterMs === undefined ? clamped : Math.min(this.requeueAfterMs, clamped);
  }

  event(type: "Normal" | "Warning", reason: string, message: string): void {
    this.actions.push({ kind: "event", regarding: this.rolloutTarget(), type, reason, message });
  }

  /** Milliseconds since the sub-status' lastUpdateTime (Infinity when unset). */
  sinceLastUpdate(): number {
    const t = this.canary?.lastUpdateTime;
    return t ? this.now.getTime() - Date.parse(t) : Number.POSITIVE_INFINITY;
  }

  touch(): void {
    if (this.status.canaryStatus) this.status.canaryStatus.lastUpdateTime = this.nowIso;
  }
}
