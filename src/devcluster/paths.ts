import { homedir } from "node:os";
import { join } from "node:path";
import { versions } from "./versions.js";

// Everything the control plane needs lives outside the repository: the binaries,
// keyed by version, and each cluster's working directory (PKI, data, logs, pids).
export const cacheRoot = process.env.KRT_CACHE ?? join(homedir(), ".cache", "kruise-rollout-ts");

export const binaries = {
  kubeApiserver: join(cacheRoot, "bin", `kubernetes-${versions.kubernetes}`, "kube-apiserver"),
  kubeControllerManager: join(
    cacheRoot,
    "bin",
    `kubernetes-${versions.kubernetes}`,
    "kube-controller-manager",
  ),
  kubeScheduler: join(cacheRoot, "bin", `kubernetes-${versions.kubernetes}`, "kube-scheduler"),
  kubectl: join(cacheRoot, "bin", `kubernetes-${versions.kubernetes}`, "kubectl"),
  etcd: join(cacheRoot, "bin", `etcd-${versions.etcd}`, "etcd"),
  kwok: join(cacheRoot, "bin", `kwok-${versions.kwok}`, "kwok"),
} as const;

export function clusterDir(name: string): string {
  return join(cacheRoot, "clusters", name);
}

export function kubeconfigPath(name: string): string {
  return join(clusterDir(name), "kubeconfig.yaml");
}
