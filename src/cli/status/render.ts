// The text of `status`: a pure function of the view, with fixed column widths so that
// successive frames of `--watch` (and snapshots in tests) line up.
import { bar } from "../render/bar.js";
import type { Paint } from "../render/style.js";
import { table } from "../render/table.js";
import type { StatusView, StepView, Waiting } from "./view.js";

export interface RenderOptions {
  paint: Paint;
  /** How the user invoked us ("kruise-rollout" or "kubectl kruise-rollout"), for the hints. */
  program: string;
}

const label = (name: string) => `${name}:`.padEnd(12);

export function renderStatus(view: StatusView, { paint, program }: RenderOptions): string {
  const lines = [
    `${label("Name")}${view.name}`,
    `${label("Namespace")}${view.namespace}`,
    `${label("Workload")}${view.workload} (${view.style}, ${view.replicas} replicas)`,
    `${label("Phase")}${paint(phaseColor(view.phase), view.phase || "Unknown")}`,
    `${label("Step")}${view.step ? `${view.step.current}/${view.step.total} ${view.step.state}` : "-"}`,
    `${label("Traffic")}${view.traffic}`,
    `${label("Message")}${view.message || "-"}`,
  ];
  if (view.rolloutId) lines.push(`${label("Rollout ID")}${view.rolloutId}`);
  lines.push("", "Steps");
  lines.push(
    ...table(
      [
        { header: "", width: 1 },
        { header: "STEP", width: 4 },
        { header: "REPLICAS", width: 8 },
        { header: "TRAFFIC", width: 24 },
        { header: "PAUSE", width: 6 },
        { header: "STATE" },
      ],
      view.steps.map((s) => [marker(s), String(s.index), s.replicas, s.traffic, s.pause, stepState(s)]),
      "  ",
    ).map((line, i) => (i === 0 ? line : colourStep(line, view.steps[i - 1], paint))),
  );
  const width = String(view.replicas).length;
  const counts = (ready: number, total: number) =>
    `${String(ready).padStart(width)}/${String(total).padEnd(width)} ready`;
  lines.push(
    "",
    "Pods",
    `  old  ${bar(view.old.ready, view.replicas)}  ${counts(view.old.ready, view.old.total)}`,
    `  new  ${paint("green", bar(view.new.ready, view.replicas))}  ${counts(view.new.ready, view.new.total)}` +
      `  (target ${view.new.target})`,
  );
  lines.push("", "Batches");
  if (view.batches.length === 0) lines.push("  -");
  for (const b of view.batches) {
    const pods = b.pods.map((p) => (p.ready ? p.name : `${p.name} (not ready)`)).join(", ");
    lines.push(`  ${String(b.batch).padEnd(4)}${pods}`);
  }
  if (view.waiting) lines.push("", ...waitingLines(view, view.waiting, program, paint));
  return `${lines.join("\n")}\n`;
}

function marker(step: StepView): string {
  return step.progress === "current" ? "▶" : step.progress === "done" ? "✓" : "";
}

function stepState(step: StepView): string {
  return step.progress === "done" ? "done" : step.state;
}

function colourStep(line: string, step: StepView | undefined, paint: Paint): string {
  if (step?.progress === "current") return paint("cyan", line);
  if (step?.progress === "done") return paint("gray", line);
  return line;
}

function phaseColor(phase: string) {
  if (phase === "Healthy") return "green" as const;
  if (phase === "Progressing") return "cyan" as const;
  return "yellow" as const;
}

function waitingLines(view: StatusView, waiting: Waiting, program: string, paint: Paint): string[] {
  const command = `${program} ${waiting.command} ${view.name} -n ${view.namespace}`;
  if (waiting.reason === "paused")
    return [paint("yellow", "Paused by spec.strategy.paused."), `  continue:  ${command}`];
  if (waiting.reason === "approval")
    return [
      paint("yellow", `Paused at step ${waiting.step}: waiting for approval.`),
      `  continue:  ${command}`,
    ];
  return [
    paint("yellow", `Paused at step ${waiting.step}: continues by itself in ${waiting.remainingSeconds}s.`),
    `  skip the wait:  ${command}`,
  ];
}
