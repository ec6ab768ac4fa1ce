import * as k8s from "@kubernetes/client-node";

// The workloads a benchmark run releases: N namespaces, each with one Deployment of
// 2–10 replicas and a 5-step canary Rollout (canary style, which upstream drives
// without feature gates).

export interface Fleet {
  namespaces: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function replicasFor(i: number): number {
  return 2 + (i % 9);
}

/**
 * @param replicas a fixed replica count instead of 2–10; the latency fleet uses 10 so
 *   that every step (20% … 100%) changes the canary's size.
 */
export async function createFleet(
  kc: k8s.KubeConfig,
  prefix: string,
  size: number,
  manualPauses: boolean,
  replicas?: number,
): Promise<Fleet> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const namespaces = Array.from({ length: size }, (_, i) => `${prefix}-${i}`);
  const pause = manualPauses ? {} : { duration: 0 };
  await inBatches(namespaces, 20, async (ns, i) => {
    await core.createNamespace({
      body: { metadata: { name: ns, labels: { "kruise-rollout-bench": prefix } } },
    });
    const labels = { app: "web" };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: replicas ?? replicasFor(i),
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: "main", image: "web:v1" }] } },
        },
      },
    });
    await custom.createNamespacedCustomObject({
      group: "rollouts.kruise.io",
      version: "v1beta1",
      namespace: ns,
      plural: "rollouts",
      body: {
        apiVersion: "rollouts.kruise.io/v1beta1",
        kind: "Rollout",
        metadata: { name: "web" },
        spec: {
          workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
          strategy: {
            canary: {
              enableExtraWorkloadForCanary: true,
              steps: ["20%", "40%", "60%", "80%", "100%"].map((replicas) => ({ replicas, pause })),
            },
          },
        },
      },
    });
  });
  // Generous: a loaded machine took more than 5 minutes for 100 Rollouts.
  await waitAll(namespaces, async (ns) => (await phase(custom, ns)) === "Healthy", 15 * 60_000);
  return { namespaces };
}

export async function phase(custom: k8s.CustomObjectsApi, ns: string): Promise<string | undefined> {
  const r = (await custom.getNamespacedCustomObject({
    group: "rollouts.kruise.io",
    version: "v1beta1",
    namespace: ns,
    plural: "rollouts",
    name: "web",
  })) as {
    status?: { phase?: string; canaryStatus?: { currentStepState?: string; currentStepIndex?: number } };
  };
  return r.status?.phase;
}

export async function release(kc: k8s.KubeConfig, fleet: Fleet, image: string): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await inBatches(fleet.namespaces, 20, async (ns) => {
    await apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: "web",
        body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: image }],
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
  });
}

/**
 * Deletes the fleet's namespaces and waits until they are gone: the controller that owns
 * the Rollouts must remove their finalizers before it stops, and the next run starts on a
 * quiet cluster.
 */
export async function deleteFleet(kc: k8s.KubeConfig, fleet: Fleet): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await inBatches(fleet.namespaces, 20, (ns) => core.deleteNamespace({ name: ns }).then(() => undefined));
  const gone = async (ns: string) =>
    core.readNamespace({ name: ns }).then(
      () => false,
      (error: { code?: number }) => error.code === 404,
    );
  await waitAll(fleet.namespaces, gone, 15 * 60_000);
}

export async function inBatches<T>(
  items: T[],
  width: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += width) {
    await Promise.all(items.slice(i, i + width).map((item, j) => fn(item, i + j)));
  }
}

export async function waitAll(
  namespaces: string[],
  done: (ns: string) => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const pending = new Set(namespaces);
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    if (Date.now() > deadline)
      throw new Error(`${pending.size} of ${namespaces.length} rollouts did not get there in time`);
    for (const ns of [...pending]) if (await done(ns).catch(() => false)) pending.delete(ns);
    if (pending.size > 0) await sleep(500);
  }
}
