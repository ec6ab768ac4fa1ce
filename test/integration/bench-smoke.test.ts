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
// The budget is generous: the run compiles the controller with tsc and starts a cluster of its
// own, which takes many minutes on a loaded 2-core machine. On timeout the benchmark gets
// SIGTERM and takes its cluster down.
it("npm run bench -- --quick produces every figure", { timeout: 2_400_000 }, async () => {
  const out = join(mkdtempSync(join(tmpdir(), "krt-bench-")), "result.json");
  await promisify(execFile)("npx", ["tsx", "src/tools/bench/main.ts", "--quick"], {
    cwd: repoRoot,
    // Inside this test run's own port range (base+50..+67), never on a benchmark's cluster.
    env: {
      ...process.env,
      KRT_BENCH_OUT: out,
      KRT_BENCH_CLUSTER: `${process.env.KRT_TEST_CLUSTER ?? "test"}-bench`,
      KRT_BENCH_PORT_BASE: String(Number(process.env.KRT_TEST_PORT_BASE ?? 17443) + 50),
    },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 2_300_000,
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
