import type { TestProject } from "vitest/node";
import { defaultClusterOptions, down, isHealthy, up } from "../../src/devcluster/cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
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
  return async () => {
    if (!reused) await down(opts);
  };
}
