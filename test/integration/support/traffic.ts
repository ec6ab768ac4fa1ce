// Helpers of the traffic-routing integration tests (test/integration/traffic-*.test.ts): raw
// JSON access to the network objects (no client-node model in between, so what we compare is
// what the API server stores), the upstream e2e fixtures, and a poller that checks at every
// observed state that traffic never reaches pods that are not Ready.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { parseAllDocuments } from "yaml";
import { resourceOf } from "../../../src/controller/kinds.js";
import { isAlreadyExists, isNotFound } from "../../../src/kube/api-error.js";
import { createKubeClient, type KubeClient } from "../../../src/kube/client.js";
import { resourcePath } from "../../../src/kube/resource.js";
import { eventually, sharedDir } from "./cluster.js";

// biome-ignore lint/suspicious/noExplicitAny: API objects are arbitrary JSON here
export type Obj = Record<string, any>;

export function rawClient(): KubeClient {
  return createKubeClient({ kubeconfig: inject("kubeconfig"), qps: 500, burst: 1000 });
}

function pathOf(apiVersion: string, kind: string, namespace?: string, name?: string): string {
  return resourcePath(resourceOf(apiVersion, kind), { namespace, name });
}

export class Api {
  constructor(
    readonly client: KubeClient,
    readonly namespace: string,
  ) {}

  async get(
    apiVersion: string,
    kind: string,
    name: string,
    namespace = this.namespace,
  ): Promise<Obj | undefined> {
    try {
      return await this.client.request<Obj>({
        method: "GET",
        path: pathOf(apiVersion, kind, namespace, name),
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async mustGet(apiVersion: string, kind: string, name: string): Promise<Obj> {
    const found = await this.get(apiVersion, kind, name);
    if (!found) throw new Error(`${kind} ${this.namespace}/${name} not found`);
    return found;
  }

  async list(apiVersion: string, kind: string, labelSelector?: string): Promise<Obj[]> {
    const list = await this.client.request<{ items: Obj[] }>({
      method: "GET",
      path: pathOf(apiVersion, kind, this.namespace),
      ...(labelSelector ? { query: { labelSelector } } : {}),
    });
    return list.items;
  }

  async create(object: Obj): Promise<Obj> {
    const namespace = object.metadata?.namespace ?? this.namespace;
    return this.client.request<Obj>({
      method: "POST",
      path: pathOf(object.apiVersion, object.kind, namespace),
      body: { ...object, metadata: { ...object.metadata, namespace } },
    });
  }

  async mergePatch(
    apiVersion: string,
    kind: string,
    name: string,
    patch: unknown,
    namespace = this.namespace,
  ) {
    return this.client.request<Obj>({
      method: "PATCH",
      path: pathOf(apiVersion, kind, namespace, name),
      contentType: "application/merge-patch+json",
      body: patch,
    });
  }

  async delete(apiVersion: string, kind: string, name: string, namespace = this.namespace): Promise<void> {
    try {
      await this.client.request({ method: "DELETE", path: pathOf(apiVersion, kind, namespace, name) });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async gone(apiVersion: string, kind: string, name: string, timeoutMs = 60_000): Promise<void> {
    await eventually(
      `${kind} ${name} gone`,
      async () => (await this.get(apiVersion, kind, name)) === undefined,
      timeoutMs,
    );
  }
}

/** The documents of an upstream e2e fixture (`../shared/upstream-e2e-data/<rel>`). */
export function fixture(rel: string): Obj[] {
  const text = readFileSync(join(sharedDir, "upstream-e2e-data", rel), "utf8");
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Obj | null)
    .filter((obj): obj is Obj => obj !== null && typeof obj === "object");
}

export function oneFixture(rel: string): Obj {
  const [first] = fixture(rel);
  if (!first) throw new Error(`fixture ${rel} is empty`);
  return first;
}

/** What restoring must give back: spec, labels and annotations (server-set metadata aside). */
export function restorable(object: Obj | undefined): Obj | undefined {
  if (!object) return undefined;
  return {
    spec: object.spec,
    labels: object.metadata?.labels ?? {},
    annotations: object.metadata?.annotations ?? {},
  };
}

export function isReady(pod: Obj): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    (pod.status?.conditions ?? []).some((c: Obj) => c.type === "Ready" && c.status === "True")
  );
}

export function selects(selector: Record<string, string> | undefined, pod: Obj): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The revision label of the live pods running `image` (exactly one value expected). */
export async function revisionOf(api: Api, image: string, app = "echoserver"): Promise<string> {
  return eventually(`pod-template-hash of ${image} pods`, async () => {
    const pods = (await api.list("v1", "Pod", `app=${app}`)).filter(
      (p) => !p.metadata?.deletionTimestamp && p.spec?.containers?.[0]?.image === image,
    );
    const hashes = new Set(pods.map((p) => p.metadata?.labels?.["pod-template-hash"] as string));
    return hashes.size === 1 ? [...hashes][0] : undefined;
  });
}

export async function setImage(api: Api, name: string, image: string): Promise<void> {
  await api.client.request({
    method: "PATCH",
    path: pathOf("apps/v1", "Deployment", api.namespace, name),
    contentType: "application/json-patch+json",
    body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: image }],
  });
}

/** What the network objects say about the canary: whether any request can reach it. */
export interface RouteView {
  /** Some weight above 0, or a match rule, sends requests to the canary Service. */
  toCanary: boolean;
  /** Canonical text of the routing state; a change of it is a routing change. */
  text: string;
}

export type RouteReader = (api: Api) => Promise<RouteView>;

export const canaryIngressRoutes: RouteReader = async (api) => {
  const canary = await api.get("networking.k8s.io/v1", "Ingress", "echoserver-canary");
  if (!canary) return { toCanary: false, text: "no canary Ingress" };
  const a = canary.metadata?.annotations ?? {};
  const p = "nginx.ingress.kubernetes.io/";
  const weight = Number(a[`${p}canary-weight`] ?? 0);
  const byMatch = [`${p}canary-by-header`, `${p}canary-by-cookie`].some((key) => a[key] !== undefined);
  return {
    toCanary: a[`${p}canary`] === "true" && (weight > 0 || byMatch),
    text: JSON.stringify(Object.entries(a).sort()),
  };
};

export function httpRouteRoutes(name: string, canaryService = "echoserver-canary"): RouteReader {
  return async (api) => {
    const route = await api.get("gateway.networking.k8s.io/v1", "HTTPRoute", name);
    const rules: Obj[] = route?.spec?.rules ?? [];
    const toCanary = rules.some((rule) =>
      (rule.backendRefs ?? []).some((ref: Obj) => ref.name === canaryService && (ref.weight ?? 1) > 0),
    );
    return { toCanary, text: JSON.stringify(rules) };
  };
}

export function virtualServiceRoutes(
  name: string,
  apiVersion = "networking.istio.io/v1alpha3",
  canaryService = "echoserver-canary",
): RouteReader {
  return async (api) => {
    const vs = await api.get(apiVersion, "VirtualService", name);
    const http: Obj[] = vs?.spec?.http ?? [];
    const toCanary = http.some((rule) =>
      (rule.route ?? []).some(
        (dest: Obj) =>
          dest.destination?.host === canaryService && (dest.weight === undefined || dest.weight > 0),
      ),
    );
    return { toCanary, text: JSON.stringify(http) };
  };
}

export interface TimelineEntry {
  at: number;
  fact: string;
  value: string;
}

/**
 * Polls the routes, the Services and the pods until stopped, and records
 *   * a timeline: when each fact (routes, the Services' selectors, the canary Deployment) was
 *     first seen with each value;
 *   * violations of "traffic never reaches unready pods": whenever the routes send requests to
 *     the canary Service, that Service must exist and every pod it selects must be Ready.
 *
 * A state counts only when the routes read the same before and after the pods were read, so the
 * check never mixes two routing states. One kind of not-Ready pod is tolerated: a pod first seen
 * *after* the current routing state was already in place — the next batch scaling up under the
 * previous step's weight, as upstream does; Kubernetes only makes such a pod an endpoint once it
 * is Ready. A pod that was already there when the routes changed, and every terminating pod,
 * count as violations: raising traffic onto unready pods, or removing pods before their traffic.
 */
export class TrafficWatch {
  readonly timeline: TimelineEntry[] = [];
  readonly violations: string[] = [];
  /** Pods tolerated as "scaling up under an unchanged weight", for the report. */
  tolerated = 0;
  /** States observed while routes sent traffic to the canary. */
  checkedStates = 0;
  private readonly last = new Map<string, string>();
  private readonly podFirstSeen = new Map<string, number>();
  private routeSince = 0;
  private poll = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly api: Api,
    private readonly routes: RouteReader,
    private readonly stableService = "echoserver",
    private readonly canaryService = "echoserver-canary",
    private readonly app = "echoserver",
  ) {
    this.loop = this.run();
  }

  /** `at`: when the poll that saw it ended, so facts seen in one poll share their time and never look ordered. */
  private note(fact: string, value: string, at = Date.now()): void {
    if (this.last.get(fact) === value) return;
    this.last.set(fact, value);
    this.timeline.push({ at, fact, value });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.once();
      } catch (error) {
        // a transient read failure only loses one observation
        this.note("read-error", String(error));
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async once(): Promise<void> {
    const poll = ++this.poll;
    const before = await this.routes(this.api);
    const [stable, canary, pods, deployments] = await Promise.all([
      this.api.get("v1", "Service", this.stableService),
      this.api.get("v1", "Service", this.canaryService),
      this.api.list("v1", "Pod", `app=${this.app}`),
      this.api.list("apps/v1", "Deployment"),
    ]);
    const after = await this.routes(this.api);
    const polledAt = Date.now();
    for (const pod of pods) {
      const uid = pod.metadata?.uid as string;
      if (!this.podFirstSeen.has(uid)) this.podFirstSeen.set(uid, poll);
    }
    if (before.text !== after.text) return;
    if (this.last.get("routes") !== before.text) this.routeSince = poll;
    this.note("routes", before.text, polledAt);
    this.note("stableSelector", JSON.stringify(stable?.spec?.selector ?? null), polledAt);
    this.note("canaryService", canary ? JSON.stringify(canary.spec?.selector ?? null) : "absent", polledAt);
    this.note(
      "canaryDeployment",
      JSON.stringify(
        deployments
          .map((d) => d.metadata?.name as string)
          .filter((n) => n !== this.app)
          .sort(),
      ),
      polledAt,
    );
    if (!before.toCanary) return;
    this.checkedStates++;
    const at = `routes ${before.text}`;
    if (!canary) {
      this.violations.push(`traffic to the canary Service while it does not exist (${at})`);
      return;
    }
    const selected = pods.filter((p) => selects(canary.spec?.selector, p));
    if (selected.length === 0) {
      this.violations.push(`traffic to a canary Service that selects no pod (${at})`);
      return;
    }
    for (const pod of selected) {
      if (isReady(pod)) continue;
      const name = pod.metadata?.name;
      if (pod.metadata?.deletionTimestamp) {
        this.violations.push(`traffic to the canary Service while its pod ${name} terminates (${at})`);
      } else if ((this.podFirstSeen.get(pod.metadata?.uid) ?? 0) <= this.routeSince) {
        this.violations.push(`traffic to the canary Service while its pod ${name} is not Ready (${at})`);
      } else {
        this.tolerated++;
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** When `fact` was first seen with a value satisfying `test` (after `from`). */
  firstSeen(fact: string, test: (value: string) => boolean, from = 0): number | undefined {
    return this.timeline.find((e) => e.fact === fact && e.at >= from && test(e.value))?.at;
  }

  values(fact: string): string[] {
    return this.timeline.filter((e) => e.fact === fact).map((e) => e.value);
  }
}

/** The ConfigMap the controller reads Lua overrides from (the controller runs with --namespace=kruise-rollout). */
export const configNamespace = "kruise-rollout";

export async function ensureConfigNamespace(api: Api): Promise<void> {
  try {
    await api.client.request({
      method: "POST",
      path: "/api/v1/namespaces",
      body: { metadata: { name: configNamespace } },
    });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

export const v1Image = "cilium/echoserver:latest";
export const v2Image = "cilium/echoserver:v2";

/**
 * The upstream e2e workload and its Service (`rollout/deployment.yaml`, `rollout/service.yaml`),
 * created in `api.namespace`; waits until all replicas are Ready. Returns the Service as stored.
 */
export async function createEchoserver(api: Api, replicas = 5): Promise<Obj> {
  const deployment = oneFixture("rollout/deployment.yaml");
  deployment.spec.replicas = replicas;
  await api.create(deployment);
  const service = await api.create(oneFixture("rollout/service.yaml"));
  await eventually("echoserver Ready", async () => {
    const pods = await api.list("v1", "Pod", "app=echoserver");
    return pods.length === replicas && pods.every(isReady);
  });
  return service;
}

export function rolloutV1beta1(name: string, canary: Obj): Obj {
  return {
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: { name },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "echoserver" },
      strategy: { canary },
    },
  };
}
