import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { expect, inject } from "vitest";
import { type RunningKruise, startKruise } from "../../../src/devcluster/kruise.js";
import { deleteNamespace, eventually, type TestCluster } from "./cluster.js";

/**
 * Starts the real kruise-manager for one test file (call from beforeAll, stop in afterAll).
 * Its ports are base+20..22 of the run's port range (KRT_TEST_PORT_BASE), beside the
 * controller's base+10/11; files run one at a time, so one kruise-manager runs at a time.
 */
export async function startTestKruise(): Promise<RunningKruise> {
  const base = Number(process.env.KRT_TEST_PORT_BASE ?? 17443);
  return startKruise({
    kubeconfig: inject("kubeconfig"),
    dir: mkdtempSync(join(tmpdir(), "krt-kruise-")),
    webhookPort: base + 20,
    metricsPort: base + 21,
    healthPort: base + 22,
  });
}

/**
 * A file's afterAll: deletes its namespaces and waits until they are gone while kruise-manager and
 * the controller still run (the workloads go, the Rollouts' finalizers are removed, nothing is
 * left behind), then stops kruise-manager — always, as its pod webhooks fail closed for every pod.
 */
export async function cleanUpThenStopKruise(
  cluster: TestCluster,
  namespaces: string[],
  kruise: RunningKruise | undefined,
): Promise<void> {
  try {
    for (const ns of namespaces) await deleteNamespace(cluster, ns);
    await eventually(
      "test namespaces deleted",
      async () => {
        const names = (await cluster.core.listNamespace()).items.map((n) => n.metadata?.name);
        return namespaces.every((ns) => !names.includes(ns));
      },
      180_000,
      1000,
    );
  } finally {
    await kruise?.stop();
  }
}

export type KruiseKind = "CloneSet" | "AdvancedStatefulSet";

/** A CloneSet or Advanced StatefulSet under test, shaped like scenarios.ts's Subject so its pod helpers apply. */
export interface KruiseSubject {
  cluster: TestCluster;
  ns: string;
  /** Always "partition": both kinds release in place of their own pods. */
  style: "partition";
  kind: KruiseKind;
  name: string;
  replicas: number;
  selector: string;
  container: string;
}

export const apiVersionOf = (kind: KruiseKind) =>
  kind === "CloneSet" ? "apps.kruise.io/v1alpha1" : "apps.kruise.io/v1beta1";
const kindNameOf = (kind: KruiseKind) => (kind === "CloneSet" ? "CloneSet" : "StatefulSet");

export function kruiseRef(s: KruiseSubject) {
  return { apiVersion: apiVersionOf(s.kind), kind: kindNameOf(s.kind), name: s.name };
}

/** The workload with in-place updates on (an image change keeps the pod, as kruise does). */
export function kruiseWorkload(s: KruiseSubject, image: string): k8s.KubernetesObject {
  const labels = { app: s.name };
  const template = {
    metadata: { labels },
    spec: { containers: [{ name: s.container, image }] },
  };
  const spec =
    s.kind === "CloneSet"
      ? {
          replicas: s.replicas,
          selector: { matchLabels: labels },
          template,
          updateStrategy: { type: "InPlaceIfPossible", maxUnavailable: 1 },
        }
      : {
          replicas: s.replicas,
          serviceName: s.name,
          podManagementPolicy: "Parallel",
          selector: { matchLabels: labels },
          template: {
            ...template,
            spec: { ...template.spec, readinessGates: [{ conditionType: "InPlaceUpdateReady" }] },
          },
          updateStrategy: {
            type: "RollingUpdate",
            rollingUpdate: { podUpdatePolicy: "InPlaceIfPossible", maxUnavailable: 1 },
          },
        };
  return {
    apiVersion: apiVersionOf(s.kind),
    kind: kindNameOf(s.kind),
    metadata: { name: s.name, namespace: s.ns },
    spec,
  } as k8s.KubernetesObject;
}

export interface KruiseWorkloadView {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    updateStrategy?: {
      partition?: number | string | null;
      paused?: boolean;
      rollingUpdate?: { partition?: number | null; paused?: boolean };
    };
  };
}

export async function readKruiseWorkload(s: KruiseSubject): Promise<KruiseWorkloadView> {
  return (await s.cluster.objects.read({
    ...kruiseRef(s),
    metadata: { name: s.name, namespace: s.ns },
  })) as unknown as KruiseWorkloadView;
}

/**
 * A user's edit: a new image and, optionally, workload labels, in one merge patch, through the
 * kind's usual API version or another one (`via`).
 */
export async function updateKruiseWorkload(
  s: KruiseSubject,
  image: string,
  labels: Record<string, string> = {},
  via = apiVersionOf(s.kind),
): Promise<void> {
  const custom = s.cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  const [group, version] = via.split("/") as [string, string];
  await custom.patchNamespacedCustomObject(
    {
      group,
      version,
      namespace: s.ns,
      plural: s.kind === "CloneSet" ? "clonesets" : "statefulsets",
      name: s.name,
      body: {
        metadata: { labels },
        spec: { template: { spec: { containers: [{ name: s.container, image }] } } },
      },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
}

/** Nothing of the release is left on the workload, and no BatchRelease. */
export async function expectKruiseReleased(s: KruiseSubject): Promise<void> {
  await eventually(
    "BatchRelease removed",
    async () =>
      (await s.cluster.objects.list("rollouts.kruise.io/v1beta1", "BatchRelease", s.ns)).items.length === 0,
  );
  const w = await eventually("workload released", async () => {
    const w = await readKruiseWorkload(s);
    return w.metadata.annotations?.["batchrelease.rollouts.kruise.io/control-info"] === undefined
      ? w
      : undefined;
  });
  expect(w.metadata.annotations?.["rollouts.kruise.io/in-progressing"]).toBeUndefined();
  const strategy = w.spec.updateStrategy;
  if (s.kind === "CloneSet") {
    expect(strategy?.partition ?? 0).toBe(0);
    expect(strategy?.paused ?? false).toBe(false);
  } else {
    expect(strategy?.rollingUpdate?.partition ?? 0).toBe(0);
    expect(strategy?.rollingUpdate?.paused ?? false).toBe(false);
  }
}

/** Name → uid of the live pods: an in-place update keeps both. */
export function identities(pods: k8s.V1Pod[]): string[] {
  return pods.map((p) => `${p.metadata?.name}/${p.metadata?.uid}`).sort();
}
