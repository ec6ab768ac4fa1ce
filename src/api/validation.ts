import type { z } from "zod";
import { convertRolloutToV1beta1 } from "./conversion.js";
import { withOldClientPins } from "./old-clients.js";
import { RolloutV1alpha1, type RolloutV1alpha1Input } from "./rollout-v1alpha1.js";
import { RolloutV1beta1 } from "./rollout-v1beta1.js";
import type { FieldError, ValidationContext } from "./validation-types.js";
import { validateRolloutV1alpha1, validateRolloutV1alpha1Update } from "./validation-v1alpha1.js";
import { validateRolloutV1beta1, validateRolloutV1beta1Update } from "./validation-v1beta1.js";

// Entry points of Rollout validation, and the admission.k8s.io/v1 review for the validating webhook
// (`/validate-rollouts-kruise-io-rollout`). The HTTPS server fetches what the rules need from the
// cluster (sibling Rollouts, the live phase) and passes it in; everything here is pure.

export type { FieldError, ValidationContext, ValidationOptions } from "./validation-types.js";
export { validateRolloutV1alpha1, validateRolloutV1alpha1Update } from "./validation-v1alpha1.js";
export {
  validateConflict,
  validateRolloutV1beta1,
  validateRolloutV1beta1Update,
} from "./validation-v1beta1.js";

export interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: {
    uid: string;
    kind?: { group?: string; version?: string; kind?: string };
    operation?: string;
    subResource?: string;
    namespace?: string;
    name?: string;
    object?: unknown;
    oldObject?: unknown;
  };
  response?: {
    uid: string;
    allowed: boolean;
    status?: {
      code: number;
      reason?: string;
      message: string;
      details?: { causes: { type: string; field: string; message: string }[] };
    };
  };
}

/** `path: message; path: message`, the way the errors are shown to users. */
export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join("; ");
}

function decode<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return parsed.data;
}

function errorsOf(request: NonNullable<AdmissionReview["request"]>, ctx: ValidationContext): FieldError[] {
  const update = request.operation === "UPDATE";
  if (request.kind?.version === "v1alpha1") {
    // A blue-green Rollout has no v1alpha1 form: its v1alpha1 view is its metadata, with the rest
    // in the `v1beta1-only` restore annotation. Validate what will be stored, the v1beta1 object, or
    // every v1alpha1 write (even `kubectl label`) of a blue-green Rollout would be refused.
    const hub = convertRolloutToV1beta1(request.object as RolloutV1alpha1Input);
    if (hub.spec?.strategy.blueGreen) {
      const next = decode(RolloutV1beta1, hub);
      return update
        ? validateRolloutV1beta1Update(
            decode(RolloutV1beta1, convertRolloutToV1beta1(request.oldObject as RolloutV1alpha1Input)),
            next,
            ctx,
          )
        : validateRolloutV1beta1(next, ctx);
    }
    // Validate the object with what conversion restores (old clients' dropped fields, see
    // old-clients.ts): that is what will be stored, and what the old object is compared with.
    const next = decode(RolloutV1alpha1, withOldClientPins(request.object));
    return update
      ? validateRolloutV1alpha1Update(decode(RolloutV1alpha1, request.oldObject), next, ctx)
      : validateRolloutV1alpha1(next, ctx);
  }
  const next = decode(RolloutV1beta1, request.object);
  return update
    ? validateRolloutV1beta1Update(decode(RolloutV1beta1, request.oldObject), next, ctx)
    : validateRolloutV1beta1(next, ctx);
}

/**
 * Answers an AdmissionReview for a Rollout of either version. CREATE and UPDATE are validated;
 * other operations and status writes pass, as upstream. A denial is HTTP 422 naming every field.
 */
export function reviewRolloutAdmission(
  review: AdmissionReview,
  ctx: ValidationContext = {},
): AdmissionReview {
  const request = review.request;
  const reply = (response: NonNullable<AdmissionReview["response"]>): AdmissionReview => ({
    apiVersion: review.apiVersion ?? "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response,
  });
  if (!request) return reply({ uid: "", allowed: false, status: { code: 400, message: "missing request" } });
  const uid = request.uid;
  if ((request.operation !== "CREATE" && request.operation !== "UPDATE") || request.subResource) {
    return reply({ uid, allowed: true });
  }
  let errors: FieldError[];
  try {
    errors = errorsOf(request, ctx);
  } catch (err) {
    return reply({
      uid,
      allowed: false,
      status: { code: 400, reason: "BadRequest", message: (err as Error).message },
    });
  }
  if (errors.length === 0) return reply({ uid, allowed: true });
  return reply({
    uid,
    allowed: false,
    status: {
      code: 422,
      reason: "Invalid",
      message: formatFieldErrors(errors),
      details: {
        causes: errors.map((e) => ({ type: "FieldValueInvalid", field: e.field, message: e.message })),
      },
    },
  });
}
