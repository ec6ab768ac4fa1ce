// Reads a kubeconfig (or a KUBECONFIG list of them) into the one context this process uses.
//
// Why not client-node's KubeConfig for this: importing it loads the whole generated API (some
// 60 MiB of resident memory, measured), which is most of what the controller would weigh
// without it. The common credentials (in-cluster, client certificates, bearer tokens, basic
// auth) need nothing of it; the rest (exec plugins, auth providers, proxies) still go through it,
// loaded only then (see credentials.ts).
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";

export interface KubeConfigSource {
  /** Path of a kubeconfig file (the --kubeconfig flag). */
  kubeconfig?: string;
  context?: string;
}

/** The fields of a kubeconfig cluster entry that we act on; paths are made absolute. */
export interface ClusterEntry {
  server: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
  "proxy-url"?: string;
}

export interface UserEntry {
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  "auth-provider"?: unknown;
}

export interface ResolvedContext {
  contextName: string;
  cluster: ClusterEntry;
  user: UserEntry;
  namespace: string;
}

interface Named<T> {
  name: string;
  value: T;
}

interface Merged {
  currentContext?: string;
  clusters: Map<string, ClusterEntry>;
  users: Map<string, UserEntry>;
  contexts: Map<string, { cluster?: string; user?: string; namespace?: string }>;
}

/** The files to read: the flag, else $KUBECONFIG (a list), else ~/.kube/config. */
export function kubeconfigFiles(source: KubeConfigSource, env = process.env): string[] {
  if (source.kubeconfig) return [source.kubeconfig];
  const list = env.KUBECONFIG?.split(delimiter).filter(Boolean) ?? [];
  return list.length > 0 ? list : [join(homedir(), ".kube", "config")];
}

/**
 * Merges the files as kubectl does (the first file to define a name or the current context
 * wins) and resolves the chosen context. A missing or malformed entry is an error that names it.
 */
export function resolveContext(files: string[], contextOverride?: string): ResolvedContext {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) mergeFile(merged, file);
  const contextName = contextOverride || merged.currentContext;
  if (!contextName) throw new Error(`kubeconfig (${files.join(", ")}): no current-context and no --context`);
  const context = merged.contexts.get(contextName);
  if (!context) throw new Error(`kubeconfig: context "${contextName}" not found`);
  const cluster = context.cluster === undefined ? undefined : merged.clusters.get(context.cluster);
  if (!cluster?.server)
    throw new Error(`kubeconfig: context "${contextName}" names no cluster with a server`);
  return {
    contextName,
    cluster,
    user: (context.user === undefined ? undefined : merged.users.get(context.user)) ?? {},
    namespace: context.namespace || "default",
  };
}

function mergeFile(merged: Merged, file: string): void {
  let doc: Record<string, unknown> | null;
  try {
    doc = parse(readFileSync(file, "utf8")) as Record<string, unknown> | null;
  } catch (error) {
    throw new Error(`kubeconfig ${file}: ${(error as Error).message}`);
  }
  if (doc === null || typeof doc !== "object") return;
  const base = dirname(file);
  if (!merged.currentContext && typeof doc["current-context"] === "string")
    merged.currentContext = doc["current-context"];
  for (const entry of entries<ClusterEntry>(file, doc, "clusters", "cluster"))
    if (!merged.clusters.has(entry.name))
      merged.clusters.set(entry.name, absolute(base, entry.value, ["certificate-authority"]));
  for (const entry of entries<UserEntry>(file, doc, "users", "user"))
    if (!merged.users.has(entry.name))
      merged.users.set(
        entry.name,
        absolute(base, entry.value, ["client-certificate", "client-key", "tokenFile"]),
      );
  for (const entry of entries<{ cluster?: string; user?: string; namespace?: string }>(
    file,
    doc,
    "contexts",
    "context",
  ))
    if (!merged.contexts.has(entry.name)) merged.contexts.set(entry.name, entry.value);
}

function entries<T>(file: string, doc: Record<string, unknown>, list: string, key: string): Named<T>[] {
  const items = doc[list] ?? [];
  if (!Array.isArray(items)) throw new Error(`kubeconfig ${file}: ${list} must be a list`);
  return items.map((item: Record<string, unknown>, i) => {
    if (typeof item?.name !== "string") throw new Error(`kubeconfig ${file}: ${list}[${i}].name is missing`);
    return { name: item.name, value: (item[key] ?? {}) as T };
  });
}

/** Relative paths in a kubeconfig are relative to the file that holds them. */
function absolute<T extends object>(base: string, value: T, keys: string[]): T {
  const copy = { ...value } as Record<string, unknown>;
  for (const key of keys) {
    const path = copy[key];
    if (typeof path === "string" && path && !isAbsolute(path)) copy[key] = join(base, path);
  }
  return copy as T;
}
