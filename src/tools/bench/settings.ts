// What a benchmark run measures, from its command line. The defaults are the full
// run; a loaded or small machine can narrow it (say `--sizes=1,100`) and the result file
// records what was run.
import type { ContenderName } from "./contenders.js";

export interface Settings {
  mode: "quick" | "full";
  controllers: ContenderName[];
  /** Concurrent rollouts of each throughput run (none: no round without filler pods). */
  sizes: number[];
  /** Unrelated pods added for the second round of throughput runs (0: no second round). */
  fillerPods: number;
  /** The sizes of that second round: `sizes` unless given. */
  fillerSizes: number[];
  /** The step-latency fleet: that many rollouts, each approved at that many steps (0: none). */
  latency: { rollouts: number; steps: number };
}

const fullDefaults: Settings = {
  mode: "full",
  controllers: ["ours", "upstream"],
  sizes: [1, 100, 1000],
  fillerPods: 10_000,
  fillerSizes: [1, 100, 1000],
  latency: { rollouts: 25, steps: 4 },
};

// Ours only: CI must not need the Go toolchain to build upstream.
const quickDefaults: Settings = {
  mode: "quick",
  controllers: ["ours"],
  sizes: [10],
  fillerPods: 0,
  fillerSizes: [10],
  latency: { rollouts: 5, steps: 2 },
};

function count(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: expected a whole number, got "${text}"`);
  return n;
}

function sizes(flag: string, value: string): number[] {
  if (value === "none") return [];
  const list = value.split(",").map((v) => count(flag, v));
  if (list.some((n) => n === 0)) throw new Error(`${flag}: every size must be at least 1 (or say none)`);
  return list;
}

export function parseSettings(argv: string[]): Settings {
  const s = structuredClone(argv.includes("--quick") ? quickDefaults : fullDefaults);
  let fillerSizes: number[] | undefined;
  for (const arg of argv) {
    if (arg === "--quick") continue;
    const [flag, value = ""] = arg.split("=", 2) as [string, string?];
    switch (flag) {
      case "--sizes":
        s.sizes = sizes(flag, value);
        break;
      case "--filler-sizes":
        fillerSizes = sizes(flag, value);
        break;
      case "--filler":
        s.fillerPods = count(flag, value);
        break;
      case "--latency": {
        if (value === "0") {
          s.latency = { rollouts: 0, steps: 0 };
          break;
        }
        const [rollouts, steps] = value.split("x").map((v) => count(flag, v));
        if (!rollouts || !steps || steps > 4)
          throw new Error(`--latency: expected <rollouts>x<steps 1-4> (e.g. 25x4) or 0, got "${value}"`);
        s.latency = { rollouts, steps };
        break;
      }
      case "--controllers": {
        const names = value.split(",");
        const unknown = names.filter((n) => n !== "ours" && n !== "upstream");
        if (unknown.length > 0 || names.length === 0)
          throw new Error(`--controllers: expected ours and/or upstream, got "${value}"`);
        s.controllers = names as ContenderName[];
        break;
      }
      default:
        throw new Error(
          `unknown argument "${arg}" (known: --quick --sizes= --filler= --filler-sizes= --latency= --controllers=)`,
        );
    }
  }
  s.fillerSizes = fillerSizes ?? s.sizes;
  return s;
}
