import type { BatchReleaseV1alpha1Input } from "./batchrelease-v1alpha1.js";
import type { BatchReleaseV1beta1Input } from "./batchrelease-v1beta1.js";
import { batchReleaseToV1alpha1, batchReleaseToV1beta1 } from "./conversion-batchrelease.js";
import {
  ROLLOUT_V1ALPHA1,
  ROLLOUT_V1BETA1,
  rolloutToV1alpha1,
  rolloutToV1beta1,
} from "./conversion-rollout.js";
import { isJsonObject, type Json, type JsonObject, toJson } from "./json.js";
import { oldClientPins } from "./old-clients.js";
import { applyRestores, decodeRestores, diffRestores, encodeRestores, type Restore } from "./restore.js";
import type { RolloutV1alpha1Input } from "./rollout-v1alpha1.js";
import type { RolloutV1beta1Input } from "./rollout-v1beta1.js";
import { Annotations } from "./well-known.js";

// Lossless v1alpha1 ⇄ v1beta1 conversion (hub v1beta1), and the ConversionReview handler the
// webhook server calls for `/convert`.
//
// Upstream's rules (conversion-*.ts) drop fields. As Kubernetes does for its own API versions, what a
// conversion would lose is kept in an annotation of the result and put back by the reverse
// conversion: on a v1alpha1 object `rollouts.kruise.io/v1beta1-only`, on a v1beta1 object
// `rollouts.kruise.io/v1alpha1-only`. Both hold compare-and-set restores (restore.ts), computed by
// converting the result straight back and diffing with the source, so the round trip is exact by
// construction and edits made through the other version are never overwritten.

type Convert = (src: JsonObject) => JsonObject;

const OURS = [Annotations.v1alpha1Only, Annotations.v1beta1Only];

function stripOurs(obj: JsonObject): { bare: JsonObject; annotation?: (key: string) => string | undefined } {
  const bare = toJson(obj);
  const metadata = bare.metadata;
  if (!isJsonObject(metadata) || !isJsonObject(metadata.annotations)) return { bare };
  const annotations = metadata.annotations;
  const found = Object.fromEntries(OURS.map((k) => [k, annotations[k]]));
  for (const k of OURS) delete annotations[k];
  if (Object.keys(annotations).length === 0 && OURS.some((k) => typeof found[k] === "string")) {
    delete metadata.annotations;
  }
  return { bare, annotation: (key) => (typeof found[key] === "string" ? (found[key] as string) : undefined) };
}

function lossless(
  forward: Convert,
  backward: Convert,
  carriedOnSource: string,
  keptOnResult: string,
  pins: (out: JsonObject) => Restore[] = () => [],
): Convert {
  return (src) => {
    const { bare, annotation } = stripOurs(src);
    const out = applyRestores(toJson(forward(bare)), decodeRestores(annotation?.(carriedOnSource)));
    const lost = [...diffRestores(toJson(backward(out)), bare), ...pins(out)];
    if (lost.length > 0) {
      const metadata = isJsonObject(out.metadata) ? out.metadata : {};
      const annotations = isJsonObject(metadata.annotations) ? metadata.annotations : {};
      annotations[keptOnResult] = encodeRestores(lost);
      metadata.annotations = annotations;
      out.metadata = metadata;
    }
    return out;
  };
}

const asJson = <T>(f: (x: never) => T) => f as unknown as Convert;

const rolloutUp = lossless(
  asJson(rolloutToV1beta1),
  asJson(rolloutToV1alpha1),
  Annotations.v1beta1Only,
  Annotations.v1alpha1Only,
);
// The v1alpha1 view also pins what old clients drop (old-clients.ts).
const rolloutDown = lossless(
  asJson(rolloutToV1alpha1),
  asJson(rolloutToV1beta1),
  Annotations.v1alpha1Only,
  Annotations.v1beta1Only,
  oldClientPins,
);
const batchReleaseUp = lossless(
  asJson(batchReleaseToV1beta1),
  asJson(batchReleaseToV1alpha1),
  Annotations.v1beta1Only,
  Annotations.v1alpha1Only,
);
const batchReleaseDown = lossless(
  asJson(batchReleaseToV1alpha1),
  asJson(batchReleaseToV1beta1),
  Annotations.v1alpha1Only,
  Annotations.v1beta1Only,
);

export const convertRolloutToV1beta1 = (src: RolloutV1alpha1Input): RolloutV1beta1Input =>
  rolloutUp(src as JsonObject) as RolloutV1beta1Input;
export const convertRolloutToV1alpha1 = (src: RolloutV1beta1Input): RolloutV1alpha1Input =>
  rolloutDown(src as JsonObject) as RolloutV1alpha1Input;
export const convertBatchReleaseToV1beta1 = (src: BatchReleaseV1alpha1Input): BatchReleaseV1beta1Input =>
  batchReleaseUp(src as JsonObject) as BatchReleaseV1beta1Input;
export const convertBatchReleaseToV1alpha1 = (src: BatchReleaseV1beta1Input): BatchReleaseV1alpha1Input =>
  batchReleaseDown(src as JsonObject) as BatchReleaseV1alpha1Input;

const converters: Record<string, Record<string, Convert>> = {
  Rollout: {
    [`${ROLLOUT_V1ALPHA1}>${ROLLOUT_V1BETA1}`]: rolloutUp,
    [`${ROLLOUT_V1BETA1}>${ROLLOUT_V1ALPHA1}`]: rolloutDown,
  },
  BatchRelease: {
    [`${ROLLOUT_V1ALPHA1}>${ROLLOUT_V1BETA1}`]: batchReleaseUp,
    [`${ROLLOUT_V1BETA1}>${ROLLOUT_V1ALPHA1}`]: batchReleaseDown,
  },
};

/** Converts one object of the group to `desiredAPIVersion`; throws for anything it cannot convert. */
export function convertObject(obj: JsonObject, desiredAPIVersion: string): JsonObject {
  const { apiVersion, kind } = obj;
  if (apiVersion === desiredAPIVersion) return obj;
  const convert = converters[String(kind)]?.[`${String(apiVersion)}>${desiredAPIVersion}`];
  if (!convert)
    throw new Error(`cannot convert ${String(kind)} from ${String(apiVersion)} to ${desiredAPIVersion}`);
  return convert(obj);
}

export interface ConversionReview {
  apiVersion?: string;
  kind?: string;
  request?: { uid: string; desiredAPIVersion: string; objects: Json[] };
  response?: {
    uid: string;
    convertedObjects: Json[];
    result: { status: "Success" | "Failure"; message?: string };
  };
}

/**
 * Answers an apiextensions.k8s.io/v1 ConversionReview. All objects convert or the whole review
 * fails, as the apiserver expects.
 */
export function handleConversionReview(review: ConversionReview): ConversionReview {
  const request = review.request;
  const reply = (response: NonNullable<ConversionReview["response"]>): ConversionReview => ({
    apiVersion: review.apiVersion ?? "apiextensions.k8s.io/v1",
    kind: "ConversionReview",
    response,
  });
  if (!request) {
    return reply({
      uid: "",
      convertedObjects: [],
      result: { status: "Failure", message: "missing request" },
    });
  }
  try {
    const convertedObjects = request.objects.map((obj) => {
      if (!isJsonObject(obj)) throw new Error("object is not a JSON object");
      return convertObject(obj, request.desiredAPIVersion);
    });
    return reply({ uid: request.uid, convertedObjects, result: { status: "Success" } });
  } catch (err) {
    return reply({
      uid: request.uid,
      convertedObjects: [],
      result: { status: "Failure", message: (err as Error).message },
    });
  }
}
