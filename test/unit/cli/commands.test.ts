import { describe, expect, it } from "vitest";
import { approvePatch } from "../../../src/cli/commands/approve.js";
import { pausePatch } from "../../../src/cli/commands/pause.js";
import { promoteWrites } from "../../../src/cli/commands/promote.js";
import { retryPatch } from "../../../src/cli/commands/retry.js";
import { abortTarget, undoTarget } from "../../../src/cli/commands/undo.js";
import { parseWaitFor, waitOutcome } from "../../../src/cli/commands/wait.js";
import { CliError, ExitCode } from "../../../src/cli/exit-codes.js";
import type { Revision } from "../../../src/cli/revisions.js";
import { blueGreenAt, rolloutAt } from "./fixtures.js";

function refusal(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

const revision = (n: number, hash: string): Revision => ({
  revision: n,
  hash,
  images: [`echo:v${n}`],
  write: { contentType: "application/strategic-merge-patch+json", patch: {} },
});

describe("command writes and refusals", () => {
  it("approve writes kubectl-kruise's status patch, only from StepPaused", () => {
    expect(approvePatch(rolloutAt(1, "StepPaused"))).toEqual({
      status: { canaryStatus: { currentStepState: "StepReady" } },
    });
    const refused = refusal(() => approvePatch(rolloutAt(1, "StepUpgrade")));
    expect(refused.exitCode).toBe(ExitCode.wrongState);
    expect(refused.message).toBe(
      `rollouts.rollouts.kruise.io "web" does not allow to approve, because current canary state is not 'StepPaused'`,
    );
    const fresh = rolloutAt(1, "StepPaused");
    delete fresh.status;
    expect(refusal(() => approvePatch(fresh)).message).toContain(
      "no need to approve: not in canary or blue-green progress",
    );
  });

  it("pause and resume toggle spec.strategy.paused with upstream's refusals", () => {
    const r = rolloutAt(1, "StepUpgrade");
    expect(pausePatch(r, true)).toEqual({ spec: { strategy: { paused: true } } });
    expect(refusal(() => pausePatch(r, false)).message).toContain('"web" is not paused');
    r.spec.strategy.paused = true;
    expect(refusal(() => pausePatch(r, true)).message).toContain('"web" is already paused');
    expect(pausePatch(r, false)).toEqual({ spec: { strategy: { paused: false } } });
  });

  it("promote approves, unpauses, and --full jumps through nextStepIndex", () => {
    expect(promoteWrites(rolloutAt(1, "StepPaused"), false)).toEqual({
      status: { status: { canaryStatus: { currentStepState: "StepReady" } } },
    });
    expect(promoteWrites(rolloutAt(1, "StepUpgrade"), true)).toEqual({
      status: { status: { canaryStatus: { nextStepIndex: 3 } } },
    });
    expect(promoteWrites(rolloutAt(2, "StepPaused"), true)).toEqual({
      status: { status: { canaryStatus: { currentStepState: "StepReady" } } },
    });
    const paused = rolloutAt(1, "StepUpgrade");
    paused.spec.strategy.paused = true;
    expect(promoteWrites(paused, false)).toEqual({ unpause: { spec: { strategy: { paused: false } } } });
    expect(refusal(() => promoteWrites(rolloutAt(1, "StepUpgrade"), false)).exitCode).toBe(
      ExitCode.wrongState,
    );
    expect(refusal(() => promoteWrites(rolloutAt(3, "Completed", "Healthy"), true)).exitCode).toBe(
      ExitCode.wrongState,
    );
  });

  it("retry re-targets the current step", () => {
    expect(retryPatch(rolloutAt(2, "StepUpgrade"))).toEqual({
      status: { canaryStatus: { nextStepIndex: 2 } },
    });
    expect(refusal(() => retryPatch(rolloutAt(3, "Completed", "Healthy"))).exitCode).toBe(
      ExitCode.wrongState,
    );
  });

  it("reads and writes a blue-green release's blueGreenStatus", () => {
    expect(approvePatch(blueGreenAt(1, "StepPaused"))).toEqual({
      status: { blueGreenStatus: { currentStepState: "StepReady" } },
    });
    expect(refusal(() => approvePatch(blueGreenAt(1, "StepUpgrade"))).message).toContain(
      "current blue-green state is not 'StepPaused'",
    );
    expect(promoteWrites(blueGreenAt(1, "StepUpgrade"), true)).toEqual({
      status: { status: { blueGreenStatus: { nextStepIndex: 3 } } },
    });
    expect(retryPatch(blueGreenAt(2, "StepUpgrade"))).toEqual({
      status: { blueGreenStatus: { nextStepIndex: 2 } },
    });
    expect(
      abortTarget(blueGreenAt(1, "StepPaused"), [revision(1, "web-old"), revision(2, "web-new")]).hash,
    ).toBe("web-old");
    expect(waitOutcome(blueGreenAt(2, "StepPaused"), { kind: "step", step: 2 }, new Date(0))).toBe(true);
    expect(waitOutcome(blueGreenAt(1, "StepPaused"), { kind: "step", step: 2 }, new Date(0))).toBe(false);
  });

  it("undo picks kubectl's revision; abort picks the stable one", () => {
    const history = [revision(1, "web-old"), revision(2, "web-new")];
    expect(undoTarget(history, 0, "StatefulSet", "web").revision).toBe(1);
    expect(undoTarget(history, 2, "StatefulSet", "web").revision).toBe(2);
    expect(refusal(() => undoTarget(history, 7, "StatefulSet", "web")).exitCode).toBe(ExitCode.notFound);
    expect(refusal(() => undoTarget([revision(1, "a")], 0, "StatefulSet", "web")).exitCode).toBe(
      ExitCode.wrongState,
    );
    expect(abortTarget(rolloutAt(1, "StepPaused"), history).hash).toBe("web-old");
    expect(refusal(() => abortTarget(rolloutAt(3, "Completed", "Healthy"), history)).exitCode).toBe(
      ExitCode.wrongState,
    );
  });

  it("wait parses its condition and knows reached, pending and hopeless", () => {
    expect(parseWaitFor("step=2")).toEqual({ kind: "step", step: 2 });
    expect(parseWaitFor("healthy")).toEqual({ kind: "healthy" });
    expect(refusal(() => parseWaitFor("step=0")).exitCode).toBe(ExitCode.usage);
    const since = new Date("2026-01-01T00:00:00Z");
    expect(waitOutcome(rolloutAt(2, "StepPaused"), { kind: "step", step: 2 }, since)).toBe(true);
    expect(waitOutcome(rolloutAt(2, "StepUpgrade"), { kind: "step", step: 2 }, since)).toBe(false);
    expect(waitOutcome(rolloutAt(3, "StepUpgrade"), { kind: "step", step: 2 }, since)).toBe(true);
    const starting = rolloutAt(3, "Completed");
    starting.status?.conditions?.push({ type: "Progressing", status: "True", reason: "Initializing" });
    expect(waitOutcome(starting, { kind: "step", step: 1 }, since)).toBe(false);
    const healthy = rolloutAt(3, "Completed", "Healthy");
    expect(waitOutcome(healthy, { kind: "healthy" }, since)).toBe(true);
    // A Healthy rollout whose release ended before the wait began has not reached "step 2" of a new one.
    healthy.status?.conditions?.push({
      type: "Succeeded",
      status: "True",
      lastTransitionTime: "2025-12-31T00:00:00Z",
    });
    expect(waitOutcome(healthy, { kind: "step", step: 2 }, since)).toBe(false);
    // A release that ended within the second before the wait (condition times have one-second
    // precision) counts only if the status has seen the workload's latest generation.
    const justEnded = rolloutAt(3, "Completed", "Healthy");
    justEnded.status?.conditions?.push({
      type: "Succeeded",
      status: "True",
      lastTransitionTime: "2025-12-31T23:59:59.5Z",
    });
    if (justEnded.status?.canaryStatus) justEnded.status.canaryStatus.observedWorkloadGeneration = 3;
    expect(waitOutcome(justEnded, { kind: "step", step: 1 }, since, 3)).toBe(true);
    expect(waitOutcome(justEnded, { kind: "step", step: 1 }, since, 4)).toBe(false);
    expect(waitOutcome(justEnded, { kind: "healthy" }, since, 4)).toBe(false);
    expect(waitOutcome(justEnded, { kind: "healthy" }, since, 3)).toBe(true);
    const canceled = rolloutAt(3, "Completed", "Healthy");
    if (canceled.status)
      canceled.status.conditions = [
        {
          type: "Succeeded",
          status: "False",
          reason: "Canceled",
          lastTransitionTime: "2026-01-01T00:00:05Z",
        },
      ];
    expect(waitOutcome(canceled, { kind: "healthy" }, since)).toMatch(/canceled/);
  });
});
