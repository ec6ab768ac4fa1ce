import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { ensureBinaries } from "./build.js";
import { type ClusterLayout, components, portsFrom } from "./components.js";
import { ephemeralClash, ephemeralPortRange } from "./ephemeral.js";
import { adminGet, waitFor } from "./health.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { kwokNode } from "./nodes.js";
import { clusterDir, kubeconfigPath } from "./paths.js";
import { ensurePki } from "./pki.js";
import { isRunning, readStarted, type Started, start, stop, writeStarted } from "./processes.js";
import { renderKwokConfig } from "./stages.js";

// Metadata of every request: enough to count
// requests by user agent and verb without logging bodies.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
`;

export interface ClusterOptions {
  name: string;
  /** The apiserver port; the other components take the next five. */
  basePort: number;
  nodes: number;
  /** Pods each KWOK node accepts (110, like a kubelet, unless a test needs more). */
  podsPerNode?: number;
  /** Keep an apiserver audit log (see components.ts). */
  audit?: boolean;
  log: (line: string) => void;
}

export const defaultClusterOptions: ClusterOptions = {
  name: process.env.KRT_CLUSTER ?? "default",
  basePort: Number(process.env.KRT_PORT_BASE ?? 16443),
  nodes: Number(process.env.KRT_NODES ?? 5),
  log: (line) => console.error(`[cluster] ${line}`),
};

export interface ClusterInfo {
  name: string;
  kubeconfig: string;
  server: string;
  dir: string;
}

function layoutOf(opts: ClusterOptions): ClusterLayout {
  const dir = clusterDir(opts.name);
  return {
    dir,
    ports: portsFrom(opts.basePort),
    ...(opts.audit ? { audit: true } : {}),
    pki: ensurePki(join(dir, "pki")),
    kubeconfig: kubeconfigPath(opts.name),
  };
}

function infoOf(opts: ClusterOptions, layout: ClusterLayout): ClusterInfo {
  return {
    name: opts.name,
    kubeconfig: layout.kubeconfig,
    server: `https://127.0.0.1:${layout.ports.apiserver}`,
    dir: layout.dir,
  };
}

/** Readiness of every component, by name. */
export async function probe(layout: ClusterLayout): Promise<Record<string, boolean>> {
  const ok = async (url: string, verify: boolean) => {
    try {
      return (await adminGet(url, layout.pki, verify)).status === 200;
    } catch {
      return false;
    }
  };
  const { ports } = layout;
  const plain = async (url: string) => {
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(3000) })).ok;
    } catch {
      return false;
    }
  };
  return {
    etcd: await plain(`http://127.0.0.1:${ports.etcdClient}/health`),
    "kube-apiserver": await ok(`https://127.0.0.1:${ports.apiserver}/readyz`, true),
    "kube-controller-manager": await ok(`https://127.0.0.1:${ports.controllerManager}/healthz`, false),
    "kube-scheduler": await ok(`https://127.0.0.1:${ports.scheduler}/healthz`, false),
    kwok: await plain(`http://127.0.0.1:${ports.kwok}/healthz`),
  };
}

export async function isHealthy(opts: ClusterOptions = defaultClusterOptions): Promise<boolean> {
  const layout = layoutOf(opts);
  if (!existsSync(layout.kubeconfig)) return false;
  const started = readStarted(layout.dir);
  if (started.length === 0 || !started.every(isRunning)) return false;
  return Object.values(await probe(layout)).every(Boolean);
}

async function ensureNodes(kubeconfig: string, count: number, podsPerNode: number): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (let i = 0; i < count; i++) {
    const node = kwokNode(i, podsPerNode) as k8s.KubernetesObject;
    try {
      await client.create(node);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  await waitFor(
    `${count} KWOK nodes`,
    async () => {
      const list = await core.listNode({ labelSelector: "type=kwok" });
      const ready = list.items.filter((n) =>
        n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      );
      return ready.length >= count;
    },
    60_000,
  );
}

/**
 * Why a component that exited did so: the end of its log, inline, because a CI machine's
 * cluster directory is gone by the time anyone reads the report.
 */
function exited(log: string): string {
  const tail = existsSync(log) ? readFileSync(log, "utf8").trimEnd().split("\n").slice(-8).join("\n") : "";
  return `exited; see ${log}${tail ? `; it ended with:\n${tail}` : ""}`;
}

/**
 * Starts the control plane, or reuses it when it is already running and healthy.
 * Components that died are started again against the same data.
 */
export async function up(opts: ClusterOptions = defaultClusterOptions): Promise<ClusterInfo> {
  // A warning, not a refusal: on a machine whose ephemeral range covers every port there is no
  // better choice, and the cluster mostly starts.
  const clash = ephemeralClash(
    { lo: opts.basePort, hi: opts.basePort + 5 },
    ephemeralPortRange(),
    `cluster "${opts.name}" (basePort ${opts.basePort})`,
  );
  if (clash) opts.log(`warning: ${clash}`);
  await ensureBinaries();
  const layout = layoutOf(opts);
  const info = infoOf(opts, layout);
  mkdirSync(layout.dir, { recursive: true });
  writeFileSync(layout.kubeconfig, renderKubeconfig(opts.name, info.server, layout.pki), { mode: 0o600 });
  writeFileSync(join(layout.dir, "kwok.yaml"), renderKwokConfig());
  if (layout.audit) writeFileSync(join(layout.dir, "audit-policy.yaml"), auditPolicy);

  const previous = readStarted(layout.dir);
  const started: Started[] = [];
  const t0 = Date.now();
  for (const component of components(layout)) {
    const running = previous.find((p) => p.name === component.name && isRunning(p));
    if (running) {
      started.push(running);
    } else {
      opts.log(`starting ${component.name}`);
      started.push(start(layout.dir, component));
      writeStarted(layout.dir, [
        ...started,
        ...previous.filter((p) => !started.some((s) => s.name === p.name)),
      ]);
    }
    // Each component needs the one before it: the apiserver needs etcd, the rest need the apiserver.
    const me = started[started.length - 1];
    await waitFor(
      component.name,
      async () => (await probe(layout))[component.name] === true,
      120_000,
      () => (me && !isRunning(me) ? exited(join(layout.dir, "logs", `${component.name}.log`)) : undefined),
    );
  }
  writeStarted(layout.dir, started);
  await ensureNodes(layout.kubeconfig, opts.nodes, opts.podsPerNode ?? 110);
  opts.log(
    `control plane ready in ${((Date.now() - t0) / 1000).toFixed(1)}s; kubeconfig: ${layout.kubeconfig}`,
  );
  return info;
}

/** Stops every process of the cluster. `purge` also deletes its data and PKI. */
export async function down(opts: ClusterOptions = defaultClusterOptions, purge = true): Promise<void> {
  const layout = layoutOf(opts);
  // Reverse start order: clients before the apiserver, the apiserver before etcd.
  for (const p of [...readStarted(layout.dir)].reverse()) {
    opts.log(`stopping ${p.name} (pid ${p.pid})`);
    await stop(p);
  }
  writeStarted(layout.dir, []);
  if (purge) rmSync(layout.dir, { recursive: true, force: true });
}

export async function status(opts: ClusterOptions = defaultClusterOptions): Promise<{
  info: ClusterInfo;
  components: Record<string, boolean>;
}> {
  const layout = layoutOf(opts);
  const info = infoOf(opts, layout);
  // (Re)write the kubeconfig, so the path printed always holds a working one.
  writeFileSync(layout.kubeconfig, renderKubeconfig(opts.name, info.server, layout.pki), { mode: 0o600 });
  return { info, components: await probe(layout) };
}

/** Restarts one component in place, for fault-injection tests. */
export async function restartComponent(
  name: Started["name"],
  opts: ClusterOptions = defaultClusterOptions,
): Promise<void> {
  const layout = layoutOf(opts);
  const all = readStarted(layout.dir);
  const old = all.find((p) => p.name === name);
  if (old) await stop(old);
  const component = components(layout).find((c) => c.name === name);
  if (!component) throw new Error(`unknown component ${name}`);
  const fresh = start(layout.dir, component);
  writeStarted(layout.dir, [...all.filter((p) => p.name !== name), fresh]);
  await waitFor(name, async () => (await probe(layout))[name] === true, 120_000);
}

/** kind, for users who have a Docker engine: the same kubeconfig path, real nodes. */
export function upWithKind(opts: ClusterOptions = defaultClusterOptions): ClusterInfo {
  const layout = layoutOf(opts);
  mkdirSync(layout.dir, { recursive: true });
  const name = `kruise-rollout-${opts.name}`;
  const existing = execFileSync("kind", ["get", "clusters"], { encoding: "utf8" }).split("\n");
  if (!existing.includes(name)) {
    execFileSync(
      "kind",
      ["create", "cluster", "--name", name, "--kubeconfig", layout.kubeconfig, "--wait", "120s"],
      {
        stdio: "inherit",
      },
    );
  } else {
    writeFileSync(
      layout.kubeconfig,
      execFileSync("kind", ["get", "kubeconfig", "--name", name], { encoding: "utf8" }),
    );
  }
  return { ...infoOf(opts, layout), server: "(kind)" };
}

export function downWithKind(opts: ClusterOptions = defaultClusterOptions): void {
  execFileSync("kind", ["delete", "cluster", "--name", `kruise-rollout-${opts.name}`], { stdio: "inherit" });
}
