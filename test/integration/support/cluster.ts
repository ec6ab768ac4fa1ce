import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as k8s from "@kubernetes/client-node";
import { inject } from "vitest";
import { parseAllDocuments } from "yaml";
import { createKubeClient } from "../../../src/kube/client.js";
import { customResourceDefinitions, resourcePath } from "../../../src/kube/resource.js";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const sharedDir = join(repoRoot, "..", "shared");

export function kubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(inject("kubeconfig"));
  return kc;
}

export interface TestCluster {
  kc: k8s.KubeConfig;
  objects: k8s.KubernetesObjectApi;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
}

export function connect(): TestCluster {
  const kc = kubeConfig();
  return {
    kc,
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
  };
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

/**
 * A namespace of the test file's own, with its default ServiceAccount present (pods
 * are refused until kube-controller-manager has created it). Deleted afterwards.
 */
export async function createNamespace(cluster: TestCluster, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await cluster.core.createNamespace({
    body: { metadata: { name, labels: { "kruise-rollout-test": "true" } } },
  });
  await eventually(`default ServiceAccount in ${name}`, async () =>
    cluster.core.readNamespacedServiceAccount({ name: "default", namespace: name }),
  );
  return name;
}

export async function deleteNamespace(cluster: TestCluster, name: string): Promise<void> {
  await cluster.core.deleteNamespace({ name }).catch(() => undefined);
}

/** Server-side applies every document of a YAML file from ../shared/crds and waits until the CRDs are Established. */
export async function installCrds(cluster: TestCluster, relativeDir: string): Promise<string[]> {
  const dir = join(sharedDir, "crds", relativeDir);
  const names: string[] = [];
  const rawClient = createKubeClient({ kubeconfig: inject("kubeconfig") });
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      const obj = doc.toJS() as k8s.KubernetesObject | null;
      if (!obj?.kind) continue;
      // Raw JSON: client-node's typed serializer drops schema keys its model spells
      // differently (x-kubernetes-int-or-string), which makes e.g. the Istio CRDs invalid.
      await rawClient.request({
        method: "PATCH",
        path: resourcePath(customResourceDefinitions, { name: obj.metadata?.name ?? "" }),
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: "kruise-rollout-tests", force: true },
        body: obj,
      });
      names.push(obj.metadata?.name ?? "");
    }
  }
  const ext = cluster.kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const name of names) {
    await eventually(`CRD ${name} established`, async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    });
  }
  return names;
}
