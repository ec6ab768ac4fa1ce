import * as k8s from "@kubernetes/client-node";
import type { TestCluster } from "./cluster.js";
import { eventually } from "./cluster.js";

export interface RolloutStatusView {
  phase?: string;
  message?: string;
  currentStepIndex?: number;
  currentStepState?: string;
  canaryStatus?: {
    currentStepIndex: number;
    currentStepState: string;
    finalisingStep?: string;
    observedRolloutID?: string;
  };
  conditions?: { type: string; status: string; reason?: string }[];
}

export interface RolloutObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: RolloutStatusView;
}

export function rolloutFor(
  namespace: string,
  name: string,
  workload: { apiVersion: string; kind: string; name: string },
  canary: Record<string, unknown>,
): RolloutObject {
  return {
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: { name, namespace },
    spec: { workloadRef: workload, strategy: { canary } },
  };
}

export async function readRollout(
  cluster: TestCluster,
  namespace: string,
  name: string,
  version = "v1beta1",
): Promise<RolloutObject> {
  return (await cluster.objects.read({
    apiVersion: `rollouts.kruise.io/${version}`,
    kind: "Rollout",
    metadata: { name, namespace },
  })) as unknown as RolloutObject;
}

export async function waitForStep(
  cluster: TestCluster,
  namespace: string,
  name: string,
  step: number,
  state: string,
  timeoutMs = 90_000,
): Promise<RolloutObject> {
  return eventually(
    `rollout ${name} at step ${step} ${state}`,
    async () => {
      const r = await readRollout(cluster, namespace, name);
      return r.status?.canaryStatus?.currentStepIndex === step &&
        r.status?.canaryStatus?.currentStepState === state
        ? r
        : undefined;
    },
    timeoutMs,
  );
}

export async function waitForPhase(
  cluster: TestCluster,
  namespace: string,
  name: string,
  phase: string,
  timeoutMs = 120_000,
) {
  return eventually(
    `rollout ${name} ${phase}`,
    async () => {
      const r = await readRollout(cluster, namespace, name);
      return r.status?.phase === phase ? r : undefined;
    },
    timeoutMs,
  );
}

/** Exactly what `kubectl-kruise rollout approve` sends: a merge patch of the status subresource. */
export async function approve(cluster: TestCluster, namespace: string, name: string): Promise<void> {
  const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.patchNamespacedCustomObjectStatus(
    {
      group: "rollouts.kruise.io",
      version: "v1beta1",
      namespace,
      plural: "rollouts",
      name,
      body: { status: { canaryStatus: { currentStepState: "StepReady" } } },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
}
