import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { repoRoot } from "./support/cluster.js";

// Keeps the benchmark itself working: `npm run bench -- --quick` (10 rollouts, our
// controller only, on a cluster of its own) must finish and write every figure. Its
// timings are not judged here.
it("npm run bench -- --quick produces every figure", { timeout: 900_000 }, async () => {
  const out = join(mkdtempSync(join(tmpdir(), "krt-bench-")), "result.json");
  await promisify(execFile)("npx", ["tsx", "src/tools/bench/main.ts", "--quick"], {
    cwd: repoRoot,
    env: { ...process.env, KRT_BENCH_OUT: out },
    maxBuffer: 16 * 1024 * 1024,
  });
  const result = JSON.parse(readFileSync(out, "utf8")) as {
    mode: string;
    controllers: { ours: Record<string, number> };
  };
  expect(result.mode).toBe("quick");
  const ours = result.controllers.ours;
  for (const figure of [
    "step latency p50 ms (10 approvals)",
    "step latency p99 ms (10 approvals)",
    "5-step canary, 10 rollouts: seconds",
    "5-step canary, 10 rollouts: controller CPU seconds",
    "5-step canary, 10 rollouts: controller peak RSS MiB",
    "5-step canary, 10 rollouts: API requests per rollout",
  ]) {
    expect(ours[figure], figure).toBeGreaterThan(0);
  }
  expect(Object.keys(ours).some((k) => k.includes("patch per rollout"))).toBe(true);
});
