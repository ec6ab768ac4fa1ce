// A native apps/v1 DaemonSet released in batches on the real control plane (spec §4.9, upstream
// master; after rollout_v1beta1_test.go "Native DaemonSet batch rollout", "V1->V2: Percentage,
// 1,100% Succeeded", with a middle step): the hold switches the DaemonSet to OnDelete, our
// native-DaemonSet controller deletes old pods batch by batch, kube-controller-manager's
// DaemonSet controller recreates them on the new revision on the KWOK nodes, each batch's pods
// carry their batch labels, and completion restores the update strategy and removes every
// annotation of the release.

import type * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { approve, rolloutFor, waitForPhase, waitForStep } from "./support/rollouts.js";
import { batchLabel, idLabel } from "./support/scenarios.js";
import { imageOf, isPodReady } from "./support/workloads.js";

const name = "agent";
const v1 = "agent:v1";
const v2 = "agent:v2";
const slow = 300_000;
const releaseAnnotations = [
  "rollouts.kruise.io/in-progressing",
  "batchrelease.rollouts.kruise.io/control-info",
  "rollouts.kruise.io/daemonset-advanced-control",
  "rollouts.kruise.io/daemonset-original-update-strategy",
  "rollouts.kruise.io/daemonset-revision",
];

let cluster: TestCluster;
let ns: string;

beforeAll(async () => {
  cluster = connect();
  ns = await createNamespace(cluster, "ds-native");
});

afterAll(async () => {
  await deleteNamespace(cluster, ns);
});

function daemonSet(image: string): k8s.V1DaemonSet {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image }] },
      },
    },
  };
}

async function livePods(): Promise<k8s.V1Pod[]> {
  const list = await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name}` });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Waits until exactly `updated` Ready pods run v2 and the rest of the `nodes` run v1. */
async function waitForSplit(nodes: number, updated: number): Promise<k8s.V1Pod[]> {
  return eventually(
    `${updated} of ${nodes} pods on ${v2}`,
    async () => {
      const pods = await livePods();
      const ready = pods.filter(isPodReady);
      const onV2 = ready.filter((p) => imageOf(p) === v2).length;
      const onV1 = ready.filter((p) => imageOf(p) === v1).length;
      return pods.length === nodes && onV2 === updated && onV1 === nodes - updated ? pods : undefined;
    },
    slow,
  );
}

const batchesOn = (pods: k8s.V1Pod[]) =>
  pods
    .filter((p) => imageOf(p) === v2)
    .map((p) => p.metadata?.labels?.[batchLabel] ?? "")
    .sort();

describe("native DaemonSet batch release", () => {
  it("moves batch by batch, labels each batch, and gives the DaemonSet back as it was", async () => {
    const rollout = rolloutFor(
      ns,
      name,
      { apiVersion: "apps/v1", kind: "DaemonSet", name },
      { steps: [{ replicas: 1 }, { replicas: "60%" }, { replicas: "100%" }] },
    );
    await cluster.objects.create(rollout as unknown as k8s.KubernetesObject);
    await cluster.apps.createNamespacedDaemonSet({ namespace: ns, body: daemonSet(v1) });
    const nodes = await eventually(
      "every node runs a Ready v1 pod",
      async () => {
        const ds = await cluster.apps.readNamespacedDaemonSet({ namespace: ns, name });
        const desired = ds.status?.desiredNumberScheduled ?? 0;
        return desired > 0 && ds.status?.numberReady === desired ? desired : undefined;
      },
      slow,
    );
    expect(nodes).toBeGreaterThanOrEqual(3);
    await waitForPhase(cluster, ns, name, "Healthy", slow);
    // The Rollout marks its workload, which is what puts it under the hold webhook.
    await eventually("workload-type label", async () => {
      const ds = await cluster.apps.readNamespacedDaemonSet({ namespace: ns, name });
      return ds.metadata?.labels?.["rollouts.kruise.io/workload-type"] === "daemonset";
    });

    await eventually("DaemonSet updated to v2", async () => {
      const ds = await cluster.apps.readNamespacedDaemonSet({ namespace: ns, name });
      const next = structuredClone(ds);
      const container = next.spec?.template.spec?.containers[0];
      if (container) container.image = v2;
      return cluster.apps.replaceNamespacedDaemonSet({ namespace: ns, name, body: next });
    });
    const held = await cluster.apps.readNamespacedDaemonSet({ namespace: ns, name });
    expect(held.spec?.updateStrategy?.type).toBe("OnDelete");
    expect(held.metadata?.annotations?.["rollouts.kruise.io/daemonset-original-update-strategy"]).toBe(
      "RollingUpdate",
    );

    // Step 1: one pod.
    await waitForStep(cluster, ns, name, 1, "StepPaused", slow);
    let pods = await waitForSplit(nodes, 1);
    expect(batchesOn(pods)).toEqual(["1"]);
    const rolloutId = pods.find((p) => imageOf(p) === v2)?.metadata?.labels?.[idLabel];
    expect(rolloutId).toBeTruthy();
    const annotated = await cluster.apps.readNamespacedDaemonSet({ namespace: ns, name });
    const control = JSON.parse(
      annotated.metadata?.annotations?.["rollouts.kruise.io/daemonset-advanced-control"] ?? "{}",
    ) as { partition?: string; "batch-revision"?: string };
    expect(control.partition).toBe(String(nodes - 1));
    expect(pods.find((p) => imageOf(p) === v2)?.metadata?.labels?.["controller-revision-hash"]).toBe(
      control["batch-revision"],
    );

    // Step 2: 60% of the nodes, rounded up.
    await approve(cluster, ns, name);
    const second = Math.ceil(nodes * 0.6);
    await waitForStep(cluster, ns, name, 2, "StepPaused", slow);
    pods = await waitForSplit(nodes, second);
    expect(batchesOn(pods)).toEqual([...Array(1).fill("1"), ...Array(second - 1).fill("2")]);

    // Step 3: every node, then the release completes.
    await approve(cluster, ns, name);
    await waitForPhase(cluster, ns, name, "Healthy", slow);
    pods = await waitForSplit(nodes, nodes);
    expect(batchesOn(pods)).toEqual([
      "1",
      ...Array(second - 1).fill("2"),
      ...Array(nodes - second).fill("3"),
    ]);
    expect(new Set(pods.map((p) => p.metadata?.labels?.[idLabel]))).toEqual(new Set([rolloutId]));

    const released = await eventually(
      "update strategy and annotations restored",
      async () => {
        const ds = await cluster.apps.readNamespacedDaemonSet({ namespace: ns, name });
        const annotations = ds.metadata?.annotations ?? {};
        return ds.spec?.updateStrategy?.type === "RollingUpdate" &&
          releaseAnnotations.every((a) => !(a in annotations))
          ? ds
          : undefined;
      },
      slow,
    );
    expect(released.spec?.updateStrategy?.rollingUpdate?.maxUnavailable).toBe(1);
    expect(released.status?.updatedNumberScheduled).toBe(nodes);
  });
});
