// The controllers the benchmark compares. Each run starts one of them on the bench cluster,
// owning the rollouts.kruise.io API (CRDs, conversion, webhook configurations) alone, and
// stopping it gives the API back (clearRolloutsApi) so the other can take it over.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { installCrds, type RunningController, startController } from "../../devcluster/controller.js";
import {
  clearRolloutsApi,
  installUpstreamApi,
  startUpstreamRollouts,
} from "../../devcluster/upstream-rollouts.js";
import { userAgent } from "../../kube/client.js";

const repoRoot = join(import.meta.dirname, "..", "..", "..");

export type ContenderName = "ours" | "upstream";

export interface Contender {
  name: ContenderName;
  /** Whether a request's user agent (in the apiserver audit log) is this controller's. */
  owns(userAgent: string): boolean;
  start(): Promise<RunningController>;
}

export interface BenchPorts {
  /** The first of 10 free ports for the controllers' webhooks, probes and metrics. */
  base: number;
}

function releasingApi(kubeconfig: string, run: RunningController): RunningController {
  return {
    ...run,
    async stop() {
      await run.stop();
      await clearRolloutsApi(kubeconfig);
    },
  };
}

// Both run as shipped: default log level (each writes its log to a file in the work
// directory) and their default client-side rate limits: ours one bucket of 50 requests/s,
// bursts of 100 (--kube-api-qps/--kube-api-burst); upstream, which has no flag for it,
// controller-runtime's 20/s, bursts of 30, per resource type.
/**
 * Compiles the controller with tsc into a directory under dist/ (gitignored), as a container
 * image runs it: through tsx the process would also carry the TypeScript loader (about 90 MiB
 * more RSS). One directory per benchmark process, so two runs never rewrite each other's files.
 */
export function compileOurs(): { entry: string[]; remove(): void } {
  // KRT_BENCH_OURS_BUILD: a tsc output directory of this tree to reuse (skips the compile).
  const reuse = process.env.KRT_BENCH_OURS_BUILD;
  if (reuse) return { entry: [process.execPath, join(reuse, "src", "main.js")], remove: () => undefined };
  const outDir = join(repoRoot, "dist", `bench-${process.pid}`);
  execFileSync("npx", ["tsc", "-p", ".", "--outDir", outDir], { cwd: repoRoot, stdio: "inherit" });
  return {
    entry: [process.execPath, join(outDir, "src", "main.js")],
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

export function ours(kubeconfig: string, workDir: string, ports: BenchPorts, entry: string[]): Contender {
  const ourAgent = userAgent.split("/")[0] as string;
  const webhookPort = ports.base;
  return {
    name: "ours",
    owns: (ua) => ua.startsWith(`${ourAgent}/`),
    async start() {
      await installCrds(kubeconfig, `https://127.0.0.1:${webhookPort}/convert`);
      const run = await startController({
        kubeconfig,
        dir: join(workDir, "ours"),
        webhookPort,
        healthPort: ports.base + 1,
        entry,
      });
      return releasingApi(kubeconfig, run);
    },
  };
}

export function upstream(kubeconfig: string, workDir: string, ports: BenchPorts, binary: string): Contender {
  const webhookPort = ports.base + 5;
  return {
    name: "upstream",
    // main.go sets "kruise-rollout"; its named clientsets append "/<name>".
    owns: (ua) => ua === "kruise-rollout" || ua.startsWith("kruise-rollout/"),
    async start() {
      await installUpstreamApi(kubeconfig, binary, `https://127.0.0.1:${webhookPort}/convert`);
      const run = await startUpstreamRollouts({
        kubeconfig,
        binary,
        dir: join(workDir, "upstream"),
        webhookPort,
        healthPort: ports.base + 6,
        metricsPort: ports.base + 7,
      });
      return releasingApi(kubeconfig, run);
    },
  };
}
