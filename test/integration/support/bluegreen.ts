// Helpers of the blue-green integration tests (test/integration/bluegreen-*.test.ts): the
// Rollout's blueGreenStatus, the approvals and step jumps kubectl-kruise sends for it, and a
// watcher that works out which share of requests reaches the new version at every moment.

import { resourcePath } from "../../../src/kube/resource.js";
import { eventually } from "./cluster.js";
import { type Api, isReady, type Obj, selects, v1Image } from "./traffic.js";

const ingressV1 = "networking.k8s.io/v1";
const routeV1 = "gateway.networking.k8s.io/v1";
const p = "nginx.ingress.kubernetes.io/";

// ---------------------------------------------------------------- the Rollout and its status

export interface BlueGreenStatus {
  stableRevision?: string;
  updatedRevision?: string;
  podTemplateHash?: string;
  rolloutHash?: string;
  observedRolloutID?: string;
  currentStepIndex?: number;
  nextStepIndex?: number;
  currentStepState?: string;
  finalisingStep?: string;
  updatedReplicas?: number;
  updatedReadyReplicas?: number;
}

export const rolloutOf = async (api: Api, name: string) =>
  api.mustGet("rollouts.kruise.io/v1beta1", "Rollout", name);

export async function waitForStep(api: Api, name: string, step: number, state = "StepPaused"): Promise<Obj> {
  return eventually(
    `rollout ${name} at step ${step} ${state}`,
    async () => {
      const r = await rolloutOf(api, name);
      const bg: BlueGreenStatus | undefined = r.status?.blueGreenStatus;
      return bg?.currentStepIndex === step && bg.currentStepState === state ? r : undefined;
    },
    180_000,
  );
}

export async function waitForPhase(api: Api, name: string, phase: string): Promise<Obj> {
  return eventually(
    `rollout ${name} ${phase}`,
    async () => {
      const r = await rolloutOf(api, name);
      return r.status?.phase === phase ? r : undefined;
    },
    240_000,
  );
}

/** What `kubectl-kruise rollout approve` sends for a blue-green Rollout. */
export async function approve(api: Api, name: string): Promise<void> {
  await patchStatus(api, name, { blueGreenStatus: { currentStepState: "StepReady" } });
}

/** Upstream's JumpRolloutStep: the user patches nextStepIndex. */
export async function jump(api: Api, name: string, step: number): Promise<void> {
  await patchStatus(api, name, { blueGreenStatus: { nextStepIndex: step } });
}

async function patchStatus(api: Api, name: string, status: Obj): Promise<void> {
  await api.client.request({
    method: "PATCH",
    path: resourcePath(
      { group: "rollouts.kruise.io", version: "v1beta1", plural: "rollouts" },
      { namespace: api.namespace, name, subresource: "status" },
    ),
    contentType: "application/merge-patch+json",
    body: { status },
  });
}

export const condition = (r: Obj, type: string) =>
  (r.status?.conditions ?? []).find((c: Obj) => c.type === type) as Obj | undefined;

// ---------------------------------------------------------------- who receives the traffic

export type RouteReader = (api: Api) => Promise<{ weight: number; text: string }>;

/** nginx: the canary Ingress's weight (0 without one). */
export const nginxWeight: RouteReader = async (api) => {
  const canary = await api.get(ingressV1, "Ingress", "echoserver-canary");
  const a = canary?.metadata?.annotations ?? {};
  const weight = a[`${p}canary`] === "true" ? Number(a[`${p}canary-weight`] ?? 0) : 0;
  return { weight, text: canary ? JSON.stringify(Object.entries(a).sort()) : "no canary Ingress" };
};

/** Gateway API: the canary backendRef's share of the rule's weights. */
export const httpRouteWeight: RouteReader = async (api) => {
  const route = await api.get(routeV1, "HTTPRoute", "echoserver");
  const refs: Obj[] = route?.spec?.rules?.[0]?.backendRefs ?? [];
  const weightOf = (name: string) => refs.find((r) => r.name === name)?.weight ?? 0;
  const total = weightOf("echoserver") + weightOf("echoserver-canary");
  const weight = total === 0 ? 0 : (100 * weightOf("echoserver-canary")) / total;
  return { weight, text: JSON.stringify(refs) };
};

export interface Sample {
  at: number;
  /** Share of requests that reach pods of the new version, 0..1, to two decimals. */
  share: number;
  /** UIDs of the Ready, live v1 and v2 pods. */
  v1: string[];
  v2: string[];
}

/**
 * Samples the routes, both Services and the pods until stopped. A sample counts only when the
 * routes read the same before and after the Services and pods were read. Kubernetes sends a
 * Service's requests to its Ready endpoints, so a Service that is given requests but selects no
 * Ready pod is a violation (requests would fail), and so is any such pod that is terminating.
 */
export class BlueGreenWatch {
  readonly samples: Sample[] = [];
  readonly violations: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly api: Api,
    private readonly routes: RouteReader,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.sample();
      } catch {
        // a failed read only loses one sample
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async sample(): Promise<Sample | undefined> {
    const before = await this.routes(this.api);
    const [stable, canary, pods] = await Promise.all([
      this.api.get("v1", "Service", "echoserver"),
      this.api.get("v1", "Service", "echoserver-canary"),
      this.api.list("v1", "Pod", "app=echoserver"),
    ]);
    const after = await this.routes(this.api);
    if (before.text !== after.text) return undefined;
    const endpoints = (svc: Obj | undefined) =>
      svc ? pods.filter((pod) => selects(svc.spec?.selector, pod) && isReady(pod)) : [];
    const isV2 = (pod: Obj) => pod.spec.containers[0].image !== v1Image;
    const shareOf = (selected: Obj[]) =>
      selected.length === 0 ? 0 : selected.filter(isV2).length / selected.length;
    const w = before.weight / 100;
    const toCanary = endpoints(canary);
    const toStable = endpoints(stable);
    const at = Date.now();
    if (w > 0 && toCanary.length === 0) this.violations.push(`${at}: ${before.text} with no canary endpoint`);
    if (w < 1 && toStable.length === 0) this.violations.push(`${at}: stable Service has no endpoint`);
    for (const [weight, selected] of [
      [w, toCanary],
      [1 - w, toStable],
    ] as const) {
      for (const pod of selected)
        if (weight > 0 && pod.metadata.deletionTimestamp)
          this.violations.push(`${at}: requests reach ${pod.metadata.name} while it terminates`);
    }
    const share = Math.round((w * shareOf(toCanary) + (1 - w) * shareOf(toStable)) * 100) / 100;
    const live = pods.filter((pod) => isReady(pod) && !pod.metadata.deletionTimestamp);
    const sample = {
      at,
      share,
      v1: live.filter((pod) => !isV2(pod)).map((pod) => pod.metadata.uid as string),
      v2: live.filter(isV2).map((pod) => pod.metadata.uid as string),
    };
    this.samples.push(sample);
    return sample;
  }

  /** A fresh consistent sample. */
  async now(): Promise<Sample> {
    return eventually("a consistent traffic sample", async () => this.sample());
  }

  /** The shares in the order they were seen, each change once. */
  shares(from = 0, to = Number.POSITIVE_INFINITY): number[] {
    const out: number[] = [];
    for (const s of this.samples) if (s.at >= from && s.at <= to && out.at(-1) !== s.share) out.push(s.share);
    return out;
  }

  between(from: number, to: number): Sample[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
