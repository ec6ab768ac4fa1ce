/**
 * A KWOK node: a plain Node object that the kwok controller keeps Ready. Each gets
 * its own podCIDR so kwok hands out distinct pod IPs.
 */
export function kwokNode(index: number, pods = 110): Record<string, unknown> {
  const name = `kwok-node-${index}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        type: "kwok",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": name,
        "kubernetes.io/role": "agent",
      },
    },
    // /22 per node: room for up to ~1000 pod IPs, for dense benchmark nodes.
    spec: {
      podCIDR: `10.${16 + (index >> 6)}.${(index & 63) * 4}.0/22`,
      podCIDRs: [`10.${16 + (index >> 6)}.${(index & 63) * 4}.0/22`],
    },
    status: {
      allocatable: { cpu: "32", memory: "256Gi", pods: String(pods) },
      capacity: { cpu: "32", memory: "256Gi", pods: String(pods) },
      nodeInfo: {
        architecture: "amd64",
        operatingSystem: "linux",
        kubeletVersion: "fake",
        kubeProxyVersion: "fake",
      },
      phase: "Running",
    },
  };
}
