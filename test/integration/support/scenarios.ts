import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { expect } from "vitest";
import { parseAllDocuments } from "yaml";
import { eventually, sharedDir, type TestCluster } from "./cluster.js";
import { type RolloutObject, readRollout } from "./rollouts.js";
import { deployment, imageOf, isPodReady, statefulSet } from "./workloads.js";

// Helpers for the mid-flight scenarios: one workload per test, addressed by its style,
// with exact pod tallies per image and the "nothing left behind" checks.

export type Style = "sts" | "canary" | "partition";

export const styleNames: Record<Style, string> = {
  sts: "StatefulSet",
  canary: "Deployment (canary style)",
  partition: "Deployment (partition style)",
};

export interface Subject {
  cluster: TestCluster;
  ns: string;
  style: Style;
  name: string;
  replicas: number;
  /** Pod selector (the workload's matchLabels). */
  selector: string;
}

export const kindOf = (style: Style) => (style === "sts" ? "StatefulSet" : "Deployment");

export function workloadRef(s: Subject) {
  return { apiVersion: "apps/v1", kind: kindOf(s.style), name: s.name };
}

export async function createWorkload(s: Subject, image: string): Promise<void> {
  const { cluster, ns, name, replicas } = s;
  if (s.style === "sts")
    await cluster.apps.createNamespacedStatefulSet({
      namespace: ns,
      body: statefulSet(ns, name, replicas, image),
    });
  else
    await cluster.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, name, replicas, image),
    });
}

const jsonPatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);
const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

/** A user's edit of the workload: a new image and, optionally, workload labels, in one update. */
export async function updateWorkload(
  s: Subject,
  image: string,
  labels: Record<string, string> = {},
): Promise<void> {
  const body = {
    metadata: { labels },
    spec: { template: { spec: { containers: [{ name: containerOf(s), image }] } } },
  };
  // Strategic merge keys containers by name, so only the image changes.
  const opts = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch);
  if (kindOf(s.style) === "Deployment")
    await s.cluster.apps.patchNamespacedDeployment({ namespace: s.ns, name: s.name, body }, opts);
  else await s.cluster.apps.patchNamespacedStatefulSet({ namespace: s.ns, name: s.name, body }, opts);
}

const containers = new WeakMap<Subject, string>();
export function setContainerName(s: Subject, container: string): void {
  containers.set(s, container);
}
function containerOf(s: Subject): string {
  return containers.get(s) ?? "main";
}

export async function readWorkload(s: Subject): Promise<k8s.V1Deployment | k8s.V1StatefulSet> {
  return kindOf(s.style) === "Deployment"
    ? s.cluster.apps.readNamespacedDeployment({ namespace: s.ns, name: s.name })
    : s.cluster.apps.readNamespacedStatefulSet({ namespace: s.ns, name: s.name });
}

export async function livePods(s: Subject): Promise<k8s.V1Pod[]> {
  const list = await s.cluster.core.listNamespacedPod({ namespace: s.ns, labelSelector: s.selector });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Ready pods per image; `total` counts every live pod, ready or not. */
export function tally(pods: k8s.V1Pod[]): Record<string, number> & { total: number } {
  const out: Record<string, number> = {};
  for (const p of pods) {
    if (!isPodReady(p)) continue;
    const image = imageOf(p) ?? "?";
    out[image] = (out[image] ?? 0) + 1;
  }
  return Object.assign(out, { total: pods.length });
}

/**
 * Waits until the live pods are exactly `expected` (ready pods per image, nothing else
 * alive), and returns them.
 */
export async function waitForPods(
  s: Subject,
  expected: Record<string, number>,
  timeoutMs = 90_000,
): Promise<k8s.V1Pod[]> {
  const want = Object.values(expected).reduce((a, b) => a + b, 0);
  let last: Record<string, number> = {};
  try {
    return await eventually(
      `pods ${JSON.stringify(expected)}`,
      async () => {
        const pods = await livePods(s);
        const t = tally(pods);
        last = t;
        const ok = t.total === want && Object.entries(expected).every(([image, n]) => (t[image] ?? 0) === n);
        return ok ? pods : undefined;
      },
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last)}`);
  }
}

/** Pods expected after `updated` pods of the new version are out (canary style keeps every stable pod). */
export function podsAt(
  s: Subject,
  oldImage: string,
  newImage: string,
  updated: number,
): Record<string, number> {
  const old = s.style === "canary" ? s.replicas : s.replicas - updated;
  return updated === 0 ? { [oldImage]: old } : { [oldImage]: old, [newImage]: updated };
}

export const batchLabel = "rollouts.kruise.io/rollout-batch-id";
export const idLabel = "rollouts.kruise.io/rollout-id";
export const legacyBatchLabel = "apps.kruise.io/rollout-batch-id";
export const legacyIdLabel = "apps.kruise.io/rollout-id";

/** The sorted batch ids (and the set of rollout ids) of the pods running `image`. */
export function batchesOf(pods: k8s.V1Pod[], image: string): { batches: string[]; ids: string[] } {
  const running = pods.filter((p) => imageOf(p) === image);
  for (const p of running) {
    // Both pairs of keys, always equal.
    expect(p.metadata?.labels?.[legacyBatchLabel]).toBe(p.metadata?.labels?.[batchLabel]);
    expect(p.metadata?.labels?.[legacyIdLabel]).toBe(p.metadata?.labels?.[idLabel]);
  }
  return {
    batches: running.map((p) => p.metadata?.labels?.[batchLabel] ?? "").sort(),
    ids: [...new Set(running.map((p) => p.metadata?.labels?.[idLabel] ?? ""))].sort(),
  };
}

export async function listBatchReleases(cluster: TestCluster, ns: string) {
  return (await cluster.objects.list("rollouts.kruise.io/v1beta1", "BatchRelease", ns)).items;
}

/**
 * The workload is back under its native controller with nothing of the release left:
 * not paused, no partition, no in-progressing or control-info annotation, no canary
 * Deployment, no BatchRelease.
 */
export async function expectReleased(s: Subject): Promise<void> {
  await eventually(
    "BatchRelease removed",
    async () => (await listBatchReleases(s.cluster, s.ns)).length === 0,
  );
  await eventually(
    "canary Deployment removed",
    async () =>
      (await s.cluster.apps.listNamespacedDeployment({ namespace: s.ns })).items.every(
        (d) => d.metadata?.name === s.name || kindOf(s.style) !== "Deployment",
      ) || undefined,
  );
  const w = await readWorkload(s);
  const annotations = w.metadata?.annotations ?? {};
  expect(annotations["rollouts.kruise.io/in-progressing"]).toBeUndefined();
  expect(annotations["batchrelease.rollouts.kruise.io/control-info"]).toBeUndefined();
  if (s.style === "sts") {
    const set = w as k8s.V1StatefulSet;
    // The API server defaults a removed partition to 0.
    expect(set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0).toBe(0);
  } else {
    const d = w as k8s.V1Deployment;
    expect(d.spec?.paused ?? false).toBe(false);
    expect(d.spec?.strategy?.type).toBe("RollingUpdate");
    expect(annotations["rollouts.kruise.io/deployment-strategy"]).toBeUndefined();
    expect(
      d.metadata?.labels?.["rollouts.kruise.io/controlled-by-advanced-deployment-controller"],
    ).toBeUndefined();
    const canaries = (await s.cluster.apps.listNamespacedDeployment({ namespace: s.ns })).items.filter(
      (x) => x.metadata?.labels?.["rollouts.kruise.io/canary-deployment"] === s.name,
    );
    expect(canaries).toEqual([]);
  }
}

/**
 * Polls a Rollout and records every Progressing reason (and phase) it passes through.
 * `stop()` samples once more after the loop ends, so a state the caller has just
 * observed is never missed because the poller was asleep when it appeared.
 */
export function recordReasons(cluster: TestCluster, ns: string, name: string) {
  const reasons: string[] = [];
  const phases: string[] = [];
  let stopped = false;
  const sample = async () => {
    try {
      const r = await readRollout(cluster, ns, name);
      const reason = r.status?.conditions?.find((c) => c.type === "Progressing")?.reason;
      if (reason && reasons.at(-1) !== reason) reasons.push(reason);
      const phase = r.status?.phase;
      if (phase && phases.at(-1) !== phase) phases.push(phase);
    } catch {
      // gone or not yet there
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    reasons,
    phases,
    async stop() {
      stopped = true;
      await loop;
      await sample();
      return { reasons, phases };
    },
  };
}

export async function eventReasons(cluster: TestCluster, ns: string, name: string): Promise<string[]> {
  const list = await cluster.core.listNamespacedEvent({ namespace: ns });
  return list.items
    .filter((e) => e.involvedObject.kind === "Rollout" && e.involvedObject.name === name)
    .map((e) => `${e.reason}: ${e.message}`);
}

/** kubectl-kruise's jump: a merge patch of the status subresource setting nextStepIndex. */
export async function jumpTo(cluster: TestCluster, ns: string, name: string, step: number): Promise<void> {
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.patchNamespacedCustomObjectStatus(
    {
      group: "rollouts.kruise.io",
      version: "v1beta1",
      namespace: ns,
      plural: "rollouts",
      name,
      body: { status: { canaryStatus: { nextStepIndex: step } } },
    },
    mergePatch,
  );
}

export async function patchRolloutSpec(
  cluster: TestCluster,
  ns: string,
  name: string,
  spec: Record<string, unknown>,
  version = "v1beta1",
): Promise<void> {
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.patchNamespacedCustomObject(
    { group: "rollouts.kruise.io", version, namespace: ns, plural: "rollouts", name, body: { spec } },
    mergePatch,
  );
}

export async function rolloutGone(cluster: TestCluster, ns: string, name: string): Promise<boolean> {
  try {
    await readRollout(cluster, ns, name);
    return false;
  } catch {
    return true;
  }
}

/** Every document of an upstream e2e fixture (../shared/upstream-e2e-data), placed in `ns`. */
export function upstreamFixture<T = k8s.KubernetesObject>(relative: string, ns: string): T[] {
  const text = readFileSync(join(sharedDir, "upstream-e2e-data", relative), "utf8");
  return parseAllDocuments(text)
    .map((d) => d.toJS() as k8s.KubernetesObject | null)
    .filter((o): o is k8s.KubernetesObject => !!o?.kind)
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } }) as T);
}

export type { RolloutObject };
export { jsonPatch };
