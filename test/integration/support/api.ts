import { execFile } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { inject } from "vitest";
import { versions } from "../../../src/devcluster/versions.js";
import { ApiError } from "../../../src/kube/api-error.js";
import { createKubeClient, type KubeClient } from "../../../src/kube/client.js";
import { resourcePath } from "../../../src/kube/resource.js";

// Raw JSON access to Rollouts in either served version, for the API tests: no typed client in
// between that could drop or rename a field, so what we compare is exactly what the apiserver
// (and our conversion webhook behind it) answered.

export type Obj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

export type Version = "v1alpha1" | "v1beta1";

let client: KubeClient | undefined;
export function raw(): KubeClient {
  client ??= createKubeClient({ kubeconfig: inject("kubeconfig"), qps: 200, burst: 400 });
  return client;
}

const rollouts = (version: Version) => ({ group: "rollouts.kruise.io", version, plural: "rollouts" });

export const rolloutPath = (version: Version, namespace: string, name?: string, subresource?: string) =>
  resourcePath(rollouts(version), {
    namespace,
    ...(name ? { name } : {}),
    ...(subresource ? { subresource } : {}),
  });

const nameOf = (o: Obj) => o.metadata?.name ?? "";

export async function createRollout(namespace: string, obj: Obj, dryRun = false): Promise<Obj> {
  const version = String(obj.apiVersion).split("/")[1] as Version;
  return raw().request<Obj>({
    method: "POST",
    path: rolloutPath(version, namespace),
    body: { ...obj, metadata: { ...obj.metadata, namespace } },
    ...(dryRun ? { query: { dryRun: "All" } } : {}),
  });
}

export async function getRollout(namespace: string, name: string, version: Version): Promise<Obj> {
  return raw().request<Obj>({ method: "GET", path: rolloutPath(version, namespace, name) });
}

/** A full-object PUT, in the version the object names. */
export async function putRollout(namespace: string, obj: Obj, subresource?: "status", dryRun = false) {
  const version = String(obj.apiVersion).split("/")[1] as Version;
  return raw().request<Obj>({
    method: "PUT",
    path: rolloutPath(version, namespace, nameOf(obj), subresource),
    body: obj,
    ...(dryRun ? { query: { dryRun: "All" } } : {}),
  });
}

export async function mergePatchRollout(
  namespace: string,
  name: string,
  version: Version,
  patch: unknown,
  subresource?: "status",
): Promise<Obj> {
  return raw().request<Obj>({
    method: "PATCH",
    path: rolloutPath(version, namespace, name, subresource),
    contentType: "application/merge-patch+json",
    body: patch,
  });
}

export async function deleteRollout(namespace: string, name: string): Promise<void> {
  await raw()
    .request({ method: "DELETE", path: rolloutPath("v1beta1", namespace, name) })
    .catch(() => undefined);
}

/** Both views of one stored object, read at the same resourceVersion (retrying around writers). */
export async function bothViews(namespace: string, name: string): Promise<{ alpha: Obj; beta: Obj }> {
  for (let i = 0; i < 50; i++) {
    const alpha = await getRollout(namespace, name, "v1alpha1");
    const beta = await getRollout(namespace, name, "v1beta1");
    if (alpha.metadata?.resourceVersion === beta.metadata?.resourceVersion) return { alpha, beta };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`rollout ${namespace}/${name} kept changing between reads`);
}

/** The apiserver's rejection of `write`: HTTP code, message and the causes' field paths. */
export async function rejection(write: Promise<unknown>): Promise<{
  code: number;
  message: string;
  fields: string[];
}> {
  try {
    await write;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const details = err.status?.details as { causes?: { field?: string }[] } | undefined;
    return {
      code: err.code,
      message: err.message,
      fields: (details?.causes ?? []).map((c) => c.field ?? ""),
    };
  }
  throw new Error("the write was accepted, expected a rejection");
}

export const kubectlPath = join(
  process.env.KRT_CACHE ?? join(homedir(), ".cache", "kruise-rollout-ts"),
  "bin",
  `kubernetes-${versions.kubernetes}`,
  "kubectl",
);

/**
 * `kubectl get <resource> -n <ns>` through the real apiserver (server-side table printing, so the
 * CRD's printer columns), parsed into one record per row keyed by the column headers.
 */
export async function kubectlGet(resource: string, namespace: string): Promise<Record<string, string>[]> {
  const { stdout } = await promisify(execFile)(kubectlPath, [
    `--kubeconfig=${inject("kubeconfig")}`,
    "get",
    resource,
    "-n",
    namespace,
  ]);
  const [header = "", ...rows] = stdout.split("\n").filter((l) => l.trim() !== "");
  const starts = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index ?? 0 }));
  return rows.map((row) =>
    Object.fromEntries(
      starts.map((c, i) => [c.name, row.slice(c.at, starts[i + 1]?.at ?? row.length).trim()]),
    ),
  );
}
