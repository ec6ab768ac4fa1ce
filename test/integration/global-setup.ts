import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { defaultClusterOptions, down, isHealthy, up } from "../../src/devcluster/cluster.js";
import { installCrds, startController } from "../../src/devcluster/controller.js";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    controllerLog: string;
  }
}

/**
 * One control plane per test run. A healthy cluster that is already running (for
 * example from `npm run cluster:up`) is reused and left running; one this run
 * started is stopped at the end, so no process is left behind.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Its own name and ports, so a development cluster from `npm run cluster:up` can run beside it.
  const opts = {
    ...defaultClusterOptions,
    name: process.env.KRT_TEST_CLUSTER ?? "test",
    basePort: Number(process.env.KRT_TEST_PORT_BASE ?? 17443),
  };
  const reused = await isHealthy(opts);
  const info = await up(opts);
  project.provide("kubeconfig", info.kubeconfig);
  // Our CRDs and one controller process serve the whole run; each test file works in
  // a namespace of its own.
  const ports = { webhook: opts.basePort + 10, health: opts.basePort + 11 };
  try {
    await installCrds(info.kubeconfig, `https://127.0.0.1:${ports.webhook}/convert`);
    const controller = await startController({
      kubeconfig: info.kubeconfig,
      dir: mkdtempSync(join(tmpdir(), "krt-controller-")),
      webhookPort: ports.webhook,
      healthPort: ports.health,
      extraArgs: ["--kube-api-qps=200", "--kube-api-burst=400", "--log-level=debug"],
    });
    project.provide("controllerLog", controller.logFile);
    return async () => {
      await controller.stop();
      if (!reused) await down(opts);
    };
  } catch (err) {
    // vitest runs no teardown when setup throws: leave nothing running behind.
    if (!reused) await down(opts);
    throw err;
  }
}
