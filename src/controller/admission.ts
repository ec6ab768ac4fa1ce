import { convertObject } from "../api/conversion.js";
import type { JsonObject } from "../api/json.js";
import { reviewRolloutAdmission } from "../api/validation.js";
import type { Rollout } from "../rollout/model.js";
import type { AdmissionHandler, ConversionHandler } from "../webhook/review.js";
import { holdWorkload, type RolloutSummary } from "../webhook/workload-hold.js";
import type { Caches } from "./caches.js";

function summaries(caches: Caches, namespace: string): RolloutSummary[] {
  return caches.rollouts.cache.list(namespace).map((r: Rollout) => ({
    name: r.metadata.name,
    workloadRef: r.spec.workloadRef,
    deleting: !!r.metadata.deletionTimestamp,
    ...(r.status?.phase ? { phase: r.status.phase } : {}),
    hasStrategy: !!(r.spec.strategy.canary || r.spec.strategy.blueGreen),
    hasTrafficRouting:
      ((r.spec.strategy.canary ?? r.spec.strategy.blueGreen)?.trafficRoutings?.length ?? 0) > 0,
  }));
}

/** /mutate-workload: the hold, fed from the caches. */
export function workloadHoldHandler(caches: Caches): AdmissionHandler {
  return (request) => {
    const namespace = request.namespace ?? "";
    const replicaSets = caches.replicaSets.cache.list(namespace).map((rs) => ({
      name: rs.metadata.name ?? "",
      replicas: rs.spec.replicas ?? 0,
      ...(rs.metadata.ownerReferences?.[0]?.uid ? { ownerUid: rs.metadata.ownerReferences[0].uid } : {}),
      ...(rs.metadata.labels?.["pod-template-hash"]
        ? { podTemplateHash: rs.metadata.labels["pod-template-hash"] }
        : {}),
      ...(rs.metadata.creationTimestamp ? { creationTimestamp: rs.metadata.creationTimestamp } : {}),
    }));
    return holdWorkload(request, { rollouts: summaries(caches, namespace), replicaSets });
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
