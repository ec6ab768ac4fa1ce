import * as k8s from "@kubernetes/client-node";

// The workloads a benchmark run releases: N namespaces, each with one Deployment of
// 2–10 replicas and a 5-step canary Rollout (canary style, which upstream drives
// without feature gates).

export interface Fleet {
  /** Labels each of the fleet's namespaces (kruise-rollout-bench=<prefix>). */
  prefix: string;
  namespaces: string[];
}

export interface Rollout {
  metadata?: { namespace?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; lastUpdateTime?: string }[];
    canaryStatus?: { currentStepIndex?: number; currentStepState?: string };
  };
}

/**
 * How long a fleet of `size` may take at something that takes up to `minutes` for 100 or
 * fewer: a controller's client budget (requests per second) bounds how fast it goes, so
 * the bound grows with the fleet.
 */
export function patience(size: number, minutes: number): number {
  return Math.max(1, size / 100) * minutes * 60_000;
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
  const fleet = { prefix, namespaces };
  // Generous: a loaded machine took more than 5 minutes for 100 Rollouts.
  await waitRollouts(kc, fleet, (r) => r.status?.phase === "Healthy", patience(size, 15));
  return fleet;
}

/**
 * Waits until every Rollout of the fleet satisfies `done`. One cluster-wide list per pass,
 * not a GET per Rollout: with 1000 Rollouts, polling them one by one would load the
 * apiserver with the benchmark's own requests while it measures a controller.
 */
export async function waitRollouts(
  kc: k8s.KubeConfig,
  fleet: Fleet,
  done: (r: Rollout) => boolean,
  timeoutMs: number,
): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const pending = new Set(fleet.namespaces);
  await pollUntilNone(
    async () => {
      const list = (await custom
        .listClusterCustomObject({ group: "rollouts.kruise.io", version: "v1beta1", plural: "rollouts" })
        .catch(() => ({ items: [] }))) as { items: Rollout[] };
      for (const r of list.items) if (done(r)) pending.delete(r.metadata?.namespace ?? "");
      return pending.size;
    },
    timeoutMs,
    (left) => `${left} of ${fleet.namespaces.length} rollouts did not get there in time`,
  );
}

/** Polls once a second until `left` counts nothing, or fails with `late(left)` after `timeoutMs`. */
async function pollUntilNone(
  left: () => Promise<number>,
  timeoutMs: number,
  late: (left: number) => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await left();
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(late(n));
    await sleep(1000);
  }
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
  await pollUntilNone(
    async () =>
      (await core.listNamespace({ labelSelector: `kruise-rollout-bench=${fleet.prefix}` })).items.length,
    patience(fleet.namespaces.length, 15),
    (left) => `${left} fleet namespaces were not deleted in time`,
  );
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
