// The benchmark's result: one figure per row, one column per controller, and the
// ratio ours/upstream wherever both were measured.

import type { Settings } from "./settings.js";

export type Figures = Record<string, number>;

export interface BenchResult {
  machine: string;
  startedAt: string;
  mode: "quick" | "full";
  settings: Settings;
  /** os.loadavg() (1, 5, 15 minutes) when the run started and ended: the machine may be shared. */
  loadAverage: { atStart: number[]; atEnd: number[] };
  controllers: Record<string, Figures>;
}

function format(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return "–";
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}

export function table(result: BenchResult): string {
  const names = Object.keys(result.controllers);
  const rows = [...new Set(names.flatMap((n) => Object.keys(result.controllers[n] ?? {})))];
  const ours = result.controllers.ours ?? {};
  const upstream = result.controllers.upstream;
  const header = ["figure", ...names, ...(upstream ? ["ours/upstream"] : [])];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of rows) {
    const cells = names.map((n) => format(result.controllers[n]?.[row]));
    const ratio =
      upstream && ours[row] !== undefined && upstream[row]
        ? [format((ours[row] as number) / (upstream[row] as number))]
        : upstream
          ? ["–"]
          : [];
    lines.push(`| ${[row, ...cells, ...ratio].join(" | ")} |`);
  }
  return lines.join("\n");
}
