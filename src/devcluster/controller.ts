import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { createKubeClient } from "../kube/client.js";
import { customResourceDefinitions, resourcePath } from "../kube/resource.js";
import { controllerNodeOptions } from "../node-options.js";

const repoRoot = join(import.meta.dirname, "..", "..");

/**
 * Applies our generated CRDs (src/api/crds), with conversion pointed where the local
 * controller will listen (it then adds its caBundle), and waits until they are
 * Established. Raw JSON on purpose: client-node's typed serializer drops schema keys
 * such as x-kubernetes-int-or-string that its model spells differently.
 */
export async function installCrds(kubeconfig: string, conversionUrl: string): Promise<void> {
  const client = createKubeClient({ kubeconfig });
  const dir = join(repoRoot, "src", "api", "crds");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    const crd = parse(readFileSync(join(dir, file), "utf8")) as {
      metadata: { name: string };
      spec: { conversion?: { webhook?: { clientConfig?: unknown } } };
    };
    if (crd.spec.conversion?.webhook) crd.spec.conversion.webhook.clientConfig = { url: conversionUrl };
    await client.request({
      method: "PATCH",
      path: resourcePath(customResourceDefinitions, { name: crd.metadata.name }),
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "kruise-rollout-dev", force: true },
      body: crd,
    });
    for (let i = 0; i < 100; i++) {
      const live = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
        method: "GET",
        path: resourcePath(customResourceDefinitions, { name: crd.metadata.name }),
      });
      if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface RunningController {
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

export interface ControllerOptions {
  kubeconfig: string;
  /** Working directory: the log file and the webhook PKI. */
  dir: string;
  webhookPort: number;
  healthPort: number;
  extraArgs?: string[];
  /** The program and its first arguments (default: src/main.ts through tsx). */
  entry?: string[];
}

/**
 * Runs the real controller as its own process outside the cluster, webhooks reached
 * by URL on 127.0.0.1 — what the demo and the integration tests drive, and what tests
 * can kill.
 */
export async function startController(o: ControllerOptions): Promise<RunningController> {
  const { kubeconfig, dir, webhookPort, healthPort } = o;
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, "controller.log");
  // Whatever answers on the health port before we start is another process: its readiness
  // would be taken for ours while ours fails to bind.
  if (await isReady(healthPort))
    throw new Error(`127.0.0.1:${healthPort} is already in use by another process`);
  const [program, ...programArgs] = o.entry ?? [
    process.execPath,
    "--import",
    "tsx",
    join(repoRoot, "src", "main.ts"),
  ];
  const child = spawn(
    program as string,
    [
      ...programArgs,
      `--kubeconfig=${kubeconfig}`,
      `--webhook-url=https://127.0.0.1:${webhookPort}`,
      `--webhook-port=${webhookPort}`,
      `--webhook-cert-dir=${join(dir, "certs")}`,
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      "--namespace=kruise-rollout",
      ...(o.extraArgs ?? []),
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, controllerNodeOptions].filter(Boolean).join(" "),
      },
      stdio: ["ignore", openSync(logFile, "a"), openSync(logFile, "a")],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Generous: on a loaded machine tsx's compile and the cache sync take a while.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the controller exited; see ${logFile}`);
    if (await isReady(healthPort)) break;
    if (Date.now() > deadline) throw new Error(`the controller did not become ready; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    child,
    logFile,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      // The controller bounds its own shutdown; this only covers a process that is wedged.
      const kill = setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 45_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

function isReady(healthPort: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${healthPort}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
    (r) => r.ok,
    () => false,
  );
}
