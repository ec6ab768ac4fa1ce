// The component versions of the local control plane. The build script reads them
// from the environment, so this file is the one place to change a version.
export const versions = {
  kubernetes: process.env.K8S_VERSION ?? "v1.36.3",
  etcd: process.env.ETCD_VERSION ?? "v3.6.16",
  kwok: process.env.KWOK_VERSION ?? "v0.8.0",
} as const;
