import { convertObject } from "../api/conversion.js";
import type { JsonObject } from "../api/json.js";
import { reviewRolloutAdmission } from "../api/validation.js";
import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/resource.js";
import type { ReplicaSet } from "../release/model.js";
import type { Rollout } from "../rollout/model.js";
import type { AdmissionHandler, AdmissionRequest, ConversionHandler } from "../webhook/review.js";
import {
  type HoldContext,
  holdWorkload,
  type ReplicaSetSummary,
  type RolloutSummary,
  viewMayBeBehind,
} from "../webhook/workload-hold.js";
import { type Caches, resources } from "./caches.js";

function rolloutSummaries(rollouts: Rollout[]): RolloutSummary[] {
  return rollouts.map((r) => ({
    name: r.metadata.name,
    workloadRef: r.spec.workloadRef,
    deleting: !!r.metadata.deletionTimestamp,
    ...(r.status?.phase ? { phase: r.status.phase } : {}),
    hasStrategy: !!(r.spec.strategy.canary || r.spec.strategy.blueGreen),
    hasTrafficRouting:
      ((r.spec.strategy.canary ?? r.spec.strategy.blueGreen)?.trafficRoutings?.length ?? 0) > 0,
  }));
}

function replicaSetSummaries(replicaSets: ReplicaSet[]): ReplicaSetSummary[] {
  return replicaSets.map((rs) => ({
    name: rs.metadata.name ?? "",
    replicas: rs.spec.replicas ?? 0,
    ...(rs.metadata.ownerReferences?.[0]?.uid ? { ownerUid: rs.metadata.ownerReferences[0].uid } : {}),
    ...(rs.metadata.labels?.["pod-template-hash"]
      ? { podTemplateHash: rs.metadata.labels["pod-template-hash"] }
      : {}),
    ...(rs.metadata.creationTimestamp ? { creationTimestamp: rs.metadata.creationTimestamp } : {}),
  }));
}

/** A fresh read must answer well within the webhook's 10 s, so the apiserver hears our reason. */
const liveReadTimeoutMs = 3_000;

/** The hold's view read from the apiserver: the namespace's Rollouts and, for a Deployment, its ReplicaSets. */
async function liveContext(client: KubeClient, request: AdmissionRequest): Promise<HoldContext> {
  const namespace = request.namespace ?? "";
  const list = async <T>(path: string, labelSelector?: string) =>
    (
      await client.request<{ items?: T[] }>({
        method: "GET",
        path,
        ...(labelSelector ? { query: { labelSelector } } : {}),
        timeoutMs: liveReadTimeoutMs,
      })
    ).items ?? [];
  const rollouts = await list<Rollout>(resourcePath(resources.rollouts, { namespace }));
  if (request.kind.kind !== "Deployment") return { rollouts: rolloutSummaries(rollouts), replicaSets: [] };
  const matchLabels = (
    request.object as { spec?: { selector?: { matchLabels?: Record<string, string> } } } | null
  )?.spec?.selector?.matchLabels;
  const selector = Object.entries(matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const replicaSets = await list<ReplicaSet>(resourcePath(resources.replicaSets, { namespace }), selector);
  return { rollouts: rolloutSummaries(rollouts), replicaSets: replicaSetSummaries(replicaSets) };
}

/**
 * /mutate-workload: the hold, fed from the caches, or from a fresh read when the caches show
 * nothing to hold and may be behind. Should that read fail, the update is refused (retryable),
 * as the webhook itself fails closed: better a retry than pods replaced behind the Rollout.
 */
export function workloadHoldHandler(caches: Caches, client: KubeClient): AdmissionHandler {
  return async (request) => {
    const namespace = request.namespace ?? "";
    const cached: HoldContext = {
      rollouts: rolloutSummaries(caches.rollouts.cache.list(namespace)),
      replicaSets: replicaSetSummaries(caches.replicaSets.cache.list(namespace)),
    };
    if (!viewMayBeBehind(request, cached)) return holdWorkload(request, cached);
    let live: HoldContext;
    try {
      live = await liveContext(client, request);
    } catch (error) {
      return {
        allowed: false,
        status: {
          code: 503,
          message:
            `kruise-rollout could not read the Rollouts of namespace ${namespace} to decide whether to ` +
            `hold this update (${(error as Error).message}); retry shortly`,
        },
      };
    }
    return holdWorkload(request, live);
  };
}

/** /validate-rollout: upstream's rules, with the sibling Rollouts and the stored phase from the cache. */
export function rolloutValidationHandler(caches: Caches): AdmissionHandler {
  return (request) => {
    const namespace = request.namespace ?? "";
    const siblings = caches.rollouts.cache
      .list(namespace)
      .filter((r: Rollout) => r.metadata.name !== request.name);
    const live = request.name
      ? (caches.rollouts.cache.get(`${namespace}/${request.name}`) as Rollout | undefined)
      : undefined;
    const review = reviewRolloutAdmission(
      { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request } as Parameters<
        typeof reviewRolloutAdmission
      >[0],
      { siblings, ...(live?.status?.phase ? { livePhase: live.status.phase } : {}) },
    );
    const response = review.response;
    return {
      allowed: response?.allowed ?? false,
      ...(response?.status
        ? {
            status: response.status as NonNullable<
              ReturnType<AdmissionHandler> extends infer D
                ? D extends { status?: infer S }
                  ? S
                  : never
                : never
            >,
          }
        : {}),
    };
  };
}

/**
 * /convert: v1alpha1 ⇄ v1beta1 for Rollout and BatchRelease. An object that is not one (null, a
 * scalar, a malformed spec) fails the review with a message naming it, not a TypeError's text.
 */
export const conversionHandler: ConversionHandler = (request) =>
  request.objects.map((o, i) => {
    const to = request.desiredAPIVersion;
    if (typeof o !== "object" || o === null || Array.isArray(o))
      throw new Error(`cannot convert object ${i} to ${to}: not a JSON object`);
    const obj = o as JsonObject;
    try {
      return convertObject(obj, to);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const meta = (obj.metadata ?? {}) as { name?: unknown };
      throw new Error(
        `cannot convert ${String(obj.kind)} ${String(meta.name ?? "")} from ${String(obj.apiVersion)} to ${to}: malformed object (${error.message})`,
      );
    }
  });
