import { join } from "node:path";
import { binaries } from "./paths.js";
import type { Pki } from "./pki.js";

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export function portsFrom(base: number): Ports {
  return {
    apiserver: base,
    etcdClient: base + 1,
    etcdPeer: base + 2,
    controllerManager: base + 3,
    scheduler: base + 4,
    kwok: base + 5,
  };
}

export interface Component {
  name: "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kwok";
  binary: string;
  args: string[];
}

export interface ClusterLayout {
  dir: string;
  ports: Ports;
  pki: Pki;
  kubeconfig: string;
  /** Write a JSON audit log of every request (the benchmark counts requests by user agent). */
  audit?: boolean;
}

export function auditLogPath(dir: string): string {
  return join(dir, "audit.log");
}

/**
 * The processes of the control plane, in start order, with every listener on
 * 127.0.0.1. The flags follow kwokctl's binary runtime, with the fixes this project
 * found necessary (see the README's control-plane section).
 */
export function components({ dir, ports, pki, kubeconfig, audit }: ClusterLayout): Component[] {
  const local = "127.0.0.1";
  const etcdUrl = `http://${local}:${ports.etcdClient}`;
  return [
    {
      name: "etcd",
      binary: binaries.etcd,
      args: [
        "--name=node0",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://${local}:${ports.etcdPeer}`,
        `--initial-advertise-peer-urls=http://${local}:${ports.etcdPeer}`,
        `--initial-cluster=node0=http://${local}:${ports.etcdPeer}`,
        "--listen-metrics-urls=",
        "--auto-compaction-retention=1",
        "--quota-backend-bytes=8589934592",
        // A throw-away test cluster: durability costs fsync latency on every write.
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
    },
    {
      name: "kube-apiserver",
      binary: binaries.kubeApiserver,
      args: [
        `--etcd-servers=${etcdUrl}`,
        "--etcd-prefix=/registry",
        `--bind-address=${local}`,
        // Without it the apiserver looks for a host interface with a default route and
        // fails on machines that have none.
        `--advertise-address=${local}`,
        // Endpoints validation rejects loopback addresses, so the `kubernetes` Service
        // endpoints are not reconciled.
        "--endpoint-reconciler-type=none",
        `--secure-port=${ports.apiserver}`,
        `--tls-cert-file=${pki.adminCert}`,
        `--tls-private-key-file=${pki.adminKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--service-account-key-file=${pki.serviceAccountKey}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--authorization-mode=Node,RBAC",
        "--allow-privileged=true",
        `--proxy-client-cert-file=${pki.adminCert}`,
        `--proxy-client-key-file=${pki.adminKey}`,
        `--requestheader-client-ca-file=${pki.caCert}`,
        // Our one certificate is both the admin client and the front proxy; naming it
        // here keeps other client certificates from setting proxy headers.
        "--requestheader-allowed-names=kruise-rollout-admin",
        "--requestheader-username-headers=X-Remote-User",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        // Benchmarks and many parallel tests would otherwise be throttled by APF.
        "--max-requests-inflight=0",
        "--max-mutating-requests-inflight=0",
        "--enable-priority-and-fairness=false",
        ...(audit
          ? [
              `--audit-policy-file=${join(dir, "audit-policy.yaml")}`,
              `--audit-log-path=${auditLogPath(dir)}`,
              "--audit-log-format=json",
              "--audit-log-maxsize=2048",
              "--audit-log-mode=batch",
            ]
          : []),
        "--v=1",
      ],
    },
    {
      name: "kube-controller-manager",
      binary: binaries.kubeControllerManager,
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        `--bind-address=${local}`,
        `--secure-port=${ports.controllerManager}`,
        "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
        "--leader-elect=false",
        `--root-ca-file=${pki.caCert}`,
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        "--use-service-account-credentials=false",
        "--kube-api-qps=500",
        "--kube-api-burst=1000",
        // KWOK nodes renew their leases slowly; don't evict their pods meanwhile.
        "--node-monitor-grace-period=5m",
        "--v=1",
      ],
    },
    {
      name: "kube-scheduler",
      binary: binaries.kubeScheduler,
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        `--bind-address=${local}`,
        `--secure-port=${ports.scheduler}`,
        "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
        "--leader-elect=false",
        "--kube-api-qps=500",
        "--kube-api-burst=1000",
        "--v=1",
      ],
    },
    {
      name: "kwok",
      binary: binaries.kwok,
      args: [
        `--kubeconfig=${kubeconfig}`,
        "--manage-all-nodes=true",
        `--server-address=${local}:${ports.kwok}`,
        `--node-ip=${local}`,
        "--cidr=10.16.0.0/12",
        `--config=${join(dir, "kwok.yaml")}`,
        // KWOK renews each node's Lease, so kube-controller-manager never marks a node
        // NotReady and evicts its pods.
        "--node-lease-duration-seconds=40",
      ],
    },
  ];
}
