// `wait`: block until the rollout reaches a step or becomes healthy, for CI pipelines.
// Exit 0 when the condition holds, ExitCode.timeout when it does not in time, and
// ExitCode.wrongState as soon as it can no longer hold (the release was canceled or disabled).
import type { Rollout } from "../../rollout/model.js";
import type { Cluster } from "../cluster.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { stepStatus } from "../step-status.js";

export type WaitFor = { kind: "step"; step: number } | { kind: "healthy" };

export function parseWaitFor(text: string): WaitFor {
  if (text === "healthy") return { kind: "healthy" };
  const match = /^step=(\d+)$/.exec(text);
  if (match && Number(match[1]) >= 1) return { kind: "step", step: Number(match[1]) };
  throw new CliError(`--for must be "step=N" (N ≥ 1) or "healthy", got "${text}"`, ExitCode.usage);
}

/** Reached steps are those the rollout stands on with its batch done (paused or beyond) or has passed. */
const settled = new Set(["StepPaused", "StepReady", "Completed"]);

/**
 * true: the condition holds; a string: it cannot hold any more, and why; false: keep waiting.
 * An end of release (Succeeded or Canceled) only counts if it happened since `since`: a Healthy
 * rollout left over from the previous release must not satisfy "step 2" of the next one.
 * `workloadGeneration` is the workload's own. A completed release's status follows it (scaling
 * included); one behind it has not seen the latest change (a `set image` just before `wait`) and
 * describes the previous release, however recently that ended.
 */
export function waitOutcome(
  rollout: Rollout,
  want: WaitFor,
  since: Date,
  workloadGeneration?: number,
): boolean | string {
  const status = rollout.status;
  const sub = stepStatus(rollout)?.sub;
  const succeeded = status?.conditions?.find((c) => c.type === "Succeeded");
  // Condition times have one-second precision.
  const endedSince =
    !!succeeded?.lastTransitionTime && Date.parse(succeeded.lastTransitionTime) >= since.getTime() - 1000;
  if (status?.phase === "Disabled" || status?.phase === "Disabling") return `rollout is ${status.phase}`;
  if (
    status?.phase === "Healthy" &&
    succeeded?.status === "False" &&
    succeeded.reason === "Canceled" &&
    endedSince
  )
    return "the release was canceled (the workload was rolled back)";
  const completed = status?.phase === "Healthy" && succeeded?.status === "True";
  const behind = completed && !!sub && (sub.observedWorkloadGeneration ?? 0) < (workloadGeneration ?? 0);
  const current = (status?.observedGeneration ?? 0) >= (rollout.metadata.generation ?? 0) && !behind;
  if (want.kind === "healthy") return current && status?.phase === "Healthy";
  if (status?.phase === "Healthy") return current && completed && endedSince;
  if (status?.phase !== "Progressing" || !sub) return false;
  // While a release initialises, the sub-status still describes the previous, completed one.
  const progressing = status.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.reason === "Initializing") return false;
  return (
    sub.currentStepIndex > want.step ||
    (sub.currentStepIndex === want.step && settled.has(sub.currentStepState))
  );
}

export function describe(want: WaitFor): string {
  return want.kind === "healthy" ? "healthy" : `step ${want.step}`;
}

export async function waitFor(
  cluster: Cluster,
  name: string,
  want: WaitFor,
  timeoutMs: number,
  pollMs = 1000,
): Promise<string> {
  const since = new Date();
  const deadline = since.getTime() + timeoutMs;
  for (;;) {
    const rollout = await cluster.getRollout(name);
    // Only a refinement: a user allowed to read Rollouts but not the workload still waits.
    const workload = await cluster.getWorkload(rollout).catch(() => null);
    const outcome = waitOutcome(rollout, want, since, workload?.metadata.generation);
    if (outcome === true) return `rollout.rollouts.kruise.io/${name} reached ${describe(want)}`;
    if (typeof outcome === "string")
      throw new CliError(
        `rollout "${name}" will not reach ${describe(want)}: ${outcome}`,
        ExitCode.wrongState,
      );
    if (Date.now() + pollMs > deadline)
      throw new CliError(
        `timed out after ${timeoutMs / 1000}s waiting for rollout "${name}" to reach ${describe(want)}`,
        ExitCode.timeout,
      );
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
