// The two envelopes the apiserver posts to webhooks, and how a handler's answer is wrapped back
// into them. Handlers (workload hold, Rollout validation, conversion) are pure functions of the
// request and never see the envelope, the uid, base64 or HTTP.
import type { JsonPatchOperation } from "../kube/patch.js";

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  name?: string;
  namespace?: string;
  operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  userInfo?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
  options?: unknown;
}

export interface ResultStatus {
  status?: "Success" | "Failure";
  code?: number;
  reason?: string;
  message?: string;
}

/** What an admission handler decides; `patch` is plain JSON-patch operations. */
export interface AdmissionDecision {
  allowed: boolean;
  status?: ResultStatus;
  patch?: JsonPatchOperation[];
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export type AdmissionHandler = (request: AdmissionRequest) => AdmissionDecision | Promise<AdmissionDecision>;

export interface AdmissionReview {
  apiVersion: string;
  kind: "AdmissionReview";
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: ResultStatus;
  patch?: string;
  patchType?: "JSONPatch";
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export interface ConversionRequest {
  uid: string;
  desiredAPIVersion: string;
  objects: unknown[];
}

/** Converts every object to `desiredAPIVersion`, in order; throwing fails the whole review. */
export type ConversionHandler = (request: ConversionRequest) => unknown[] | Promise<unknown[]>;

export interface ConversionReview {
  apiVersion: string;
  kind: "ConversionReview";
  request?: ConversionRequest;
  response?: { uid: string; convertedObjects: unknown[]; result: ResultStatus };
}

/** A handler failure or a malformed body, answered in the envelope the apiserver expects. */
export class ReviewError extends Error {
  constructor(
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = "ReviewError";
  }
}

export function parseAdmissionReview(body: unknown): AdmissionReview & { request: AdmissionRequest } {
  const review = body as AdmissionReview;
  if (review?.kind !== "AdmissionReview" || typeof review.request?.uid !== "string") {
    throw new ReviewError("expected an AdmissionReview with request.uid");
  }
  return review as AdmissionReview & { request: AdmissionRequest };
}

export function parseConversionReview(body: unknown): ConversionReview & { request: ConversionRequest } {
  const review = body as ConversionReview;
  const request = review?.request;
  if (
    review?.kind !== "ConversionReview" ||
    typeof request?.uid !== "string" ||
    !Array.isArray(request.objects)
  ) {
    throw new ReviewError("expected a ConversionReview with request.uid and request.objects");
  }
  return review as ConversionReview & { request: ConversionRequest };
}

/** Echoes the request's apiVersion, as the apiserver requires (admission.k8s.io/v1 or v1beta1). */
export function admissionResponse(
  review: AdmissionReview & { request: AdmissionRequest },
  decision: AdmissionDecision,
): AdmissionReview {
  const { patch, ...rest } = decision;
  const response: AdmissionResponse = { uid: review.request.uid, ...rest };
  if (patch && patch.length > 0) {
    response.patch = Buffer.from(JSON.stringify(patch)).toString("base64");
    response.patchType = "JSONPatch";
  }
  return { apiVersion: review.apiVersion, kind: "AdmissionReview", response };
}

/** A handler that threw denies the request with a 500 status instead of crashing anything. */
export function admissionFailure(review: AdmissionReview & { request: AdmissionRequest }, error: unknown) {
  return admissionResponse(review, {
    allowed: false,
    status: { status: "Failure", code: 500, reason: "InternalError", message: messageOf(error) },
  });
}

export function conversionResponse(
  review: ConversionReview & { request: ConversionRequest },
  convertedObjects: unknown[],
): ConversionReview {
  return {
    apiVersion: review.apiVersion,
    kind: "ConversionReview",
    response: { uid: review.request.uid, convertedObjects, result: { status: "Success" } },
  };
}

export function conversionFailure(
  review: ConversionReview & { request: ConversionRequest },
  error: unknown,
): ConversionReview {
  return {
    apiVersion: review.apiVersion,
    kind: "ConversionReview",
    response: {
      uid: review.request.uid,
      convertedObjects: [],
      result: { status: "Failure", message: messageOf(error) },
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
