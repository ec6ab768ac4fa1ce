import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { type RunningKruise, startKruise } from "../../../src/devcluster/kruise.js";

/**
 * Starts the real kruise-manager for one test file (call from beforeAll, stop in afterAll).
 * Its ports are base+20..22 of the run's port range (KRT_TEST_PORT_BASE), beside the
 * controller's base+10/11; files run one at a time, so one kruise-manager runs at a time.
 */
export async function startTestKruise(): Promise<RunningKruise> {
  const base = Number(process.env.KRT_TEST_PORT_BASE ?? 17443);
  return startKruise({
    kubeconfig: inject("kubeconfig"),
    dir: mkdtempSync(join(tmpdir(), "krt-kruise-")),
    webhookPort: base + 20,
    metricsPort: base + 21,
    healthPort: base + 22,
  });
}
