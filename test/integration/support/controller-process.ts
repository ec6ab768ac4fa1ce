import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ControllerProcess {
  child: ChildProcess;
  webhookPort: number;
  healthPort: number;
  logFile: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const repoRoot = join(import.meta.dirname, "..", "..", "..");

/**
 * Runs the real controller as its own process, outside the cluster, with its
 * webhooks reached by URL on 127.0.0.1 — the same binary users run, not an
 * in-process stand-in, so tests can kill it.
 */
export async function startController(
  kubeconfig: string,
  ports: { webhook: number; health: number },
  extraArgs: string[] = [],
): Promise<ControllerProcess> {
  const dir = mkdtempSync(join(tmpdir(), "krt-controller-"));
  const logFile = join(dir, "controller.log");
  const log = openSync(logFile, "a");
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repoRoot, "src", "main.ts"),
      `--kubeconfig=${kubeconfig}`,
      `--webhook-url=https://127.0.0.1:${ports.webhook}`,
      `--webhook-port=${ports.webhook}`,
      `--webhook-cert-dir=${join(dir, "certs")}`,
      `--health-probe-bind-address=127.0.0.1:${ports.health}`,
      "--namespace=kruise-rollout",
      "--kube-api-qps=200",
      "--kube-api-burst=400",
      "--log-level=debug",
      ...extraArgs,
    ],
    { cwd: repoRoot, stdio: ["ignore", log, log] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the controller exited at start; see ${logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${ports.health}/readyz`, {
        signal: AbortSignal.timeout(1000),
      });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the controller did not become ready; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    child,
    webhookPort: ports.webhook,
    healthPort: ports.health,
    logFile,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}
