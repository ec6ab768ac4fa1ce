// An OpenKruise Advanced DaemonSet (apps.kruise.io/v1alpha1) released in batches with the real
// kruise-manager (v1.9.0) on the local control plane (spec §4.9; after rollout_test.go
// "DaemonSet canary rollout", "DaemonSet V1->V2: 1,100% Succeeded"): the hold sets
// rollingUpdate.partition to 32767, Initialize lowers it to the node count, each batch to the
// pods that stay old, kruise replaces pods on the KWOK nodes, each batch's pods carry their batch
// labels, and completion clears the partition and every annotation of the release.

import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningKruise } from "../../src/devcluster/kruise.js";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { startTestKruise } from "./support/kruise.js";
import { approve, rolloutFor, waitForPhase, waitForStep } from "./support/rollouts.js";
import { batchLabel, idLabel } from "./support/scenarios.js";
import { imageOf, isPodReady } from "./support/workloads.js";

const name = "agent";
const v1 = "agent:v1";
const v2 = "agent:v2";
const slow = 400_000;
const ref = { apiVersion: "apps.kruise.io/v1alpha1", kind: "DaemonSet", name };

interface AdvancedDaemonSet {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { updateStrategy?: { rollingUpdate?: { partition?: number | null; paused?: boolean } } };
  status?: { desiredNumberScheduled?: number; numberReady?: number; updatedNumberScheduled?: number };
}

let cluster: TestCluster;
let kruise: RunningKruise | undefined;
let ns: string;

beforeAll(async () => {
  cluster = connect();
  kruise = await startTestKruise();
  ns = await createNamespace(cluster, "ds-advanced");
});

afterAll(async () => {
  if (ns) await deleteNamespace(cluster, ns);
  await kruise?.stop();
});

async function readDaemonSet(): Promise<AdvancedDaemonSet> {
  return (await cluster.objects.read({
    ...ref,
    metadata: { name, namespace: ns },
  })) as unknown as AdvancedDaemonSet;
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

describe("Advanced DaemonSet batch release with kruise-manager", () => {
  it("moves batch by batch through the partition, labels each batch, and releases the DaemonSet", async () => {
    const rollout = rolloutFor(ns, name, ref, { steps: [{ replicas: 1 }, { replicas: "100%" }] });
    await cluster.objects.create(rollout as unknown as k8s.KubernetesObject);
    await cluster.objects.create({
      ...ref,
      metadata: { name, namespace: ns },
      spec: {
        selector: { matchLabels: { app: name } },
        updateStrategy: {
          type: "RollingUpdate",
          rollingUpdate: { rollingUpdateType: "Standard", maxUnavailable: 1 },
        },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: "main", image: v1 }] },
        },
      },
    } as k8s.KubernetesObject);
    const nodes = await eventually(
      "every node runs a Ready v1 pod",
      async () => {
        const ds = await readDaemonSet();
        const desired = ds.status?.desiredNumberScheduled ?? 0;
        return desired > 0 && ds.status?.numberReady === desired ? desired : undefined;
      },
      slow,
    );
    expect(nodes).toBeGreaterThanOrEqual(2);
    await waitForPhase(cluster, ns, name, "Healthy", slow);
    await eventually("workload-type label", async () => {
      const ds = await readDaemonSet();
      return ds.metadata.labels?.["rollouts.kruise.io/workload-type"] === "daemonset";
    });

    const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
    await custom.patchNamespacedCustomObject(
      {
        group: "apps.kruise.io",
        version: "v1alpha1",
        namespace: ns,
        plural: "daemonsets",
        name,
        body: { spec: { template: { spec: { containers: [{ name: "main", image: v2 }] } } } },
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const held = await readDaemonSet();
    expect(held.metadata.annotations?.["rollouts.kruise.io/in-progressing"]).toBeTruthy();
    // Held at 32767 by the webhook, or already at the node count by Initialize: no pod moved yet.
    expect(held.spec.updateStrategy?.rollingUpdate?.partition).toBeGreaterThanOrEqual(nodes);

    // Step 1: one pod; the partition keeps the others on v1.
    await waitForStep(cluster, ns, name, 1, "StepPaused", slow);
    let pods = await waitForSplit(nodes, 1);
    expect(batchesOn(pods)).toEqual(["1"]);
    const rolloutId = pods.find((p) => imageOf(p) === v2)?.metadata?.labels?.[idLabel];
    expect(rolloutId).toBeTruthy();
    const partitioned = await readDaemonSet();
    expect(partitioned.spec.updateStrategy?.rollingUpdate?.partition).toBe(nodes - 1);
    expect(partitioned.spec.updateStrategy?.rollingUpdate?.paused ?? false).toBe(false);
    expect(partitioned.metadata.annotations?.["batchrelease.rollouts.kruise.io/control-info"]).toBeTruthy();

    // Step 2: every node, then the release completes.
    await approve(cluster, ns, name);
    await waitForPhase(cluster, ns, name, "Healthy", slow);
    pods = await waitForSplit(nodes, nodes);
    expect(batchesOn(pods)).toEqual(["1", ...Array(nodes - 1).fill("2")]);
    expect(new Set(pods.map((p) => p.metadata?.labels?.[idLabel]))).toEqual(new Set([rolloutId]));

    const released = await eventually(
      "partition and annotations cleared",
      async () => {
        const ds = await readDaemonSet();
        const annotations = ds.metadata.annotations ?? {};
        return !("batchrelease.rollouts.kruise.io/control-info" in annotations) &&
          !("rollouts.kruise.io/in-progressing" in annotations)
          ? ds
          : undefined;
      },
      slow,
    );
    expect(released.spec.updateStrategy?.rollingUpdate?.partition ?? 0).toBe(0);
    expect(released.spec.updateStrategy?.rollingUpdate?.paused ?? false).toBe(false);
    expect(released.status?.updatedNumberScheduled).toBe(nodes);
  });
});
