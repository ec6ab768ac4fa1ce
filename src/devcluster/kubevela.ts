// The real KubeVela against the local control plane: vela-core runs as a local process
// (outside the cluster, like our controller), the vela CLI is run per command. Both are
// built from the github.com/oam-dev/kubevela Go module by build-kubevela.sh.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { isNotFound } from "../kube/api-error.js";
import { createKubeClient, type KubeClient } from "../kube/client.js";
import { customResourceDefinitions, type ResourceRef, resourcePath } from "../kube/resource.js";
import { cacheRoot } from "./paths.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");
const script = join(here, "build-kubevela.sh");

/** The newest version the Go module proxy serves here that builds with go1.26 (see build-kubevela.sh). */
export const kubevelaVersion = process.env.KUBEVELA_VERSION ?? "v1.11.0";

export const kubevelaBinaries = {
  core: join(cacheRoot, "bin", `kubevela-${kubevelaVersion}`, "vela-core"),
  cli: join(cacheRoot, "bin", `kubevela-${kubevelaVersion}`, "vela"),
} as const;

/**
 * What vela-core needs installed first: the KubeVela CRDs and the built-in definitions of the
 * vela-core chart (webservice, k8s-objects, scaler, deploy, suspend, ...), as plain YAML. They
 * live in the workspace's shared data; KRT_KUBEVELA_CRDS / KRT_KUBEVELA_DEFINITIONS point elsewhere.
 */
export const kubevelaData = {
  crds: process.env.KRT_KUBEVELA_CRDS ?? join(repoRoot, "..", "shared", "crds", "kubevela"),
  definitions: process.env.KRT_KUBEVELA_DEFINITIONS ?? join(repoRoot, "..", "shared", "kubevela-definitions"),
};

export const velaSystem = "vela-system";

export function missingKubevelaBinaries(): string[] {
  return Object.values(kubevelaBinaries).filter((p) => !existsSync(p));
}

/**
 * Builds vela-core and the vela CLI when they are missing (minutes on a cold cache); the
 * script's progress lines go to stderr as they come.
 */
export async function ensureKubevela(): Promise<void> {
  if (missingKubevelaBinaries().length === 0) return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", [script, "all"], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, KRT_CACHE: cacheRoot, KUBEVELA_VERSION: kubevelaVersion },
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`building KubeVela failed (exit ${code})`)),
    );
  });
  const still = missingKubevelaBinaries();
  if (still.length > 0)
    throw new Error(`KubeVela binaries still missing after the build: ${still.join(", ")}`);
}

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Where a kind lives, by the usual plural (enough for the kinds used with KubeVela here). */
export function refOf(o: { apiVersion: string; kind: string }): ResourceRef {
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
  const kind = o.kind.toLowerCase();
  return {
    group: group ?? "",
    version: version ?? "",
    plural: kind.endsWith("s") ? `${kind}es` : `${kind}s`,
  };
}

/** Server-side apply, raw JSON (client-node's typed models drop CRD schema keys). */
export async function apply(client: KubeClient, o: Obj): Promise<void> {
  await client.request({
    method: "PATCH",
    path: resourcePath(refOf(o), { namespace: o.metadata.namespace, name: o.metadata.name }),
    contentType: "application/apply-patch+yaml",
    query: { fieldManager: "kruise-rollout-dev", force: true },
    body: o,
  });
}

function readObjects(dir: string): Obj[] {
  if (!existsSync(dir))
    throw new Error(`${dir} does not exist (KubeVela data; see src/devcluster/kubevela.ts)`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => d.toJS() as Obj | null))
    .filter((o): o is Obj => !!o?.kind);
}

/**
 * Installs what vela-core expects to find: its CRDs (waiting until Established), the
 * vela-system namespace, the built-in definitions, and a vela-core Deployment with no
 * replicas. The last one stands for the process we run outside the cluster: `vela addon
 * enable` checks an addon's `system.vela` requirement against the image tag of that
 * Deployment (label controller.oam.dev/name=vela-core, container `kubevela`).
 */
export async function installKubevela(kubeconfig: string): Promise<void> {
  const client = createKubeClient({ kubeconfig, qps: 100, burst: 200 });
  const crds = readObjects(kubevelaData.crds);
  for (const crd of crds) await apply(client, crd);
  for (const crd of crds) {
    for (let i = 0; ; i++) {
      const live = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
        method: "GET",
        path: resourcePath(customResourceDefinitions, { name: crd.metadata.name }),
      });
      if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (i > 300) throw new Error(`CRD ${crd.metadata.name} not Established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await apply(client, { apiVersion: "v1", kind: "Namespace", metadata: { name: velaSystem } });
  for (const def of readObjects(kubevelaData.definitions)) {
    await apply(client, { ...def, metadata: { ...def.metadata, namespace: velaSystem } });
  }
  const labels = { "controller.oam.dev/name": "vela-core", "app.kubernetes.io/name": "vela-core" };
  await apply(client, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "kubevela-vela-core",
      namespace: velaSystem,
      labels,
      annotations: {
        "kruise-rollout.dev/note": "vela-core runs outside the cluster; this marks its version",
      },
    } as Obj["metadata"],
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "kubevela", image: `oamdev/vela-core:${kubevelaVersion}` }] },
      },
    },
  });
}

export interface VelaCoreOptions {
  kubeconfig: string;
  /** Working directory: the log file. */
  dir: string;
  metricsPort: number;
  healthPort: number;
  extraArgs?: string[];
}

export interface RunningVelaCore {
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts vela-core outside the cluster and waits until it is ready. It takes the cluster from
 * KUBECONFIG (its command has no --kubeconfig flag and ignores unknown flags); admission
 * webhooks and leader election are off, every listener is on 127.0.0.1.
 */
export async function startVelaCore(o: VelaCoreOptions): Promise<RunningVelaCore> {
  mkdirSync(o.dir, { recursive: true });
  const logFile = join(o.dir, "vela-core.log");
  const log = openSync(logFile, "a");
  const child = spawn(
    kubevelaBinaries.core,
    [
      `--metrics-addr=127.0.0.1:${o.metricsPort}`,
      `--health-addr=127.0.0.1:${o.healthPort}`,
      "--use-webhook=false",
      "--enable-leader-election=false",
      "--enable-cluster-gateway=false",
      `--system-definition-namespace=${velaSystem}`,
      // A workflow waiting on a health check retries quickly, so tests see each batch promptly.
      "--max-workflow-wait-backoff-time=5",
      "--application-re-sync-period=30s",
      "--kube-api-qps=100",
      "--kube-api-burst=200",
      ...(o.extraArgs ?? []),
    ],
    {
      stdio: ["ignore", log, log],
      env: { ...process.env, KUBECONFIG: o.kubeconfig, NO_PROXY: "127.0.0.1,localhost" },
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vela-core exited (${child.exitCode}); see ${logFile}`);
    const ok = await fetch(`http://127.0.0.1:${o.healthPort}/readyz`, {
      signal: AbortSignal.timeout(1000),
    }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`vela-core did not become ready; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { child, logFile, stop };
}

export interface VelaResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the vela CLI against the cluster of `kubeconfig`; never throws on a non-zero exit. */
export function vela(
  kubeconfig: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<VelaResult> {
  return new Promise((resolve) => {
    execFile(
      kubevelaBinaries.cli,
      args,
      {
        cwd: opts.cwd ?? repoRoot,
        timeout: opts.timeoutMs ?? 660_000,
        maxBuffer: 32 * 1024 * 1024,
        env: { ...process.env, KUBECONFIG: kubeconfig, NO_PROXY: "127.0.0.1,localhost", NO_COLOR: "1" },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Deletes an object if it exists (used by cleanups). */
export async function deleteIfExists(client: KubeClient, o: Obj): Promise<void> {
  try {
    await client.request({
      method: "DELETE",
      path: resourcePath(refOf(o), { namespace: o.metadata.namespace, name: o.metadata.name }),
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
