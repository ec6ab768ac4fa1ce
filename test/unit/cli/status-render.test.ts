import { describe, expect, it } from "vitest";
import { painter } from "../../../src/cli/render/style.js";
import { renderStatus } from "../../../src/cli/status/render.js";
import { statusView } from "../../../src/cli/status/view.js";
import { batchRelease, blueGreenAt, pod, rolloutAt } from "./fixtures.js";

const plain = { paint: painter(false), program: "kruise-rollout" };
const now = new Date("2026-01-01T00:00:10Z");

describe("status rendering", () => {
  it("marks the current step, draws old/new bars, lists batch pods and says how to continue", () => {
    const pods = [pod(0, "web-old"), pod(1, "web-old"), pod(2, "web-old"), pod(3, "web-new", 1)];
    const view = statusView({ rollout: rolloutAt(1, "StepPaused"), batchRelease, pods }, now);
    expect(renderStatus(view, plain)).toBe(
      [
        "Name:       web",
        "Namespace:  shop",
        "Workload:   StatefulSet/web (partition, 4 replicas)",
        "Phase:      Progressing",
        "Step:       1/3 StepPaused",
        "Traffic:    -",
        "Message:    Rollout is in step(1/3)",
        "Rollout ID: web-new",
        "",
        "Steps",
        "     STEP  REPLICAS  TRAFFIC                   PAUSE   STATE",
        "  ▶  1     1         -                         manual  StepPaused",
        "     2     50%       -                         30s",
        "     3     100%      -                         -",
        "",
        "Pods",
        "  old  ███████████████░░░░░  3/3 ready",
        "  new  █████░░░░░░░░░░░░░░░  1/1 ready  (target 1)",
        "",
        "Batches",
        "  1   web-3",
        "",
        "Paused at step 1: waiting for approval.",
        "  continue:  kruise-rollout approve web -n shop",
        "",
      ].join("\n"),
    );
  });

  it("shows a blue-green release's step, revisions and approval from blueGreenStatus", () => {
    const pods = [pod(0, "web-old"), pod(1, "web-old"), pod(2, "web-new", 1)];
    const view = statusView({ rollout: blueGreenAt(1, "StepPaused"), batchRelease, pods }, now);
    expect(view.style).toBe("blue-green");
    expect(view.step).toEqual({ current: 1, total: 3, state: "StepPaused" });
    expect([view.stableRevision, view.canaryRevision]).toEqual(["web-old", "web-new"]);
    expect(view.new).toEqual({ ready: 1, total: 1, target: 1 });
    expect(view.steps.map((s) => s.progress)).toEqual(["current", "pending", "pending"]);
    expect(view.waiting).toEqual({ reason: "approval", command: "approve", step: 1 });
  });

  it("counts down a timed pause and offers to skip it", () => {
    const pods = [pod(0, "web-old"), pod(1, "web-old"), pod(2, "web-new", 2, false), pod(3, "web-new", 1)];
    const view = statusView({ rollout: rolloutAt(2, "StepPaused"), batchRelease, pods }, now);
    const text = renderStatus(view, { ...plain, program: "kubectl kruise-rollout" });
    expect(text).toContain("  ✓  1     1");
    expect(text).toContain("  ▶  2     50%");
    expect(text).toContain("  2   web-2 (not ready)");
    expect(text).toContain("  new  █████░░░░░░░░░░░░░░░  1/2 ready  (target 2)");
    expect(text).toContain("Paused at step 2: continues by itself in 20s.");
    expect(text).toContain("  skip the wait:  kubectl kruise-rollout approve web -n shop");
  });

  it("tells a spec pause from a step pause, and a finished release from a running one", () => {
    const paused = rolloutAt(1, "StepUpgrade");
    paused.spec.strategy.paused = true;
    expect(statusView({ rollout: paused, batchRelease, pods: [] }, now).waiting).toEqual({
      reason: "paused",
      command: "resume",
    });
    const done = statusView(
      { rollout: rolloutAt(3, "Completed", "Healthy"), batchRelease, pods: [pod(0, "x")] },
      now,
    );
    expect(done.steps.map((s) => s.progress)).toEqual(["done", "done", "done"]);
    expect(done.waiting).toBeNull();
    expect(done.new).toEqual({ ready: 1, total: 1, target: 4 });
  });

  it("describes header matches as traffic", () => {
    const rollout = rolloutAt(1, "StepTrafficRouting");
    const canary = rollout.spec.strategy.canary;
    if (canary) canary.steps = [{ replicas: 1, matches: [{ headers: [{ name: "x-canary", value: "on" }] }] }];
    const view = statusView({ rollout, batchRelease: null, pods: [] }, now);
    expect(view.traffic).toBe("x-canary=on");
  });

  it("colours only when asked", () => {
    const view = statusView({ rollout: rolloutAt(1, "StepPaused"), batchRelease, pods: [] }, now);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
    const ansi = /\u001b\[/;
    expect(renderStatus(view, plain)).not.toMatch(ansi);
    expect(renderStatus(view, { ...plain, paint: painter(true) })).toMatch(ansi);
  });
});
