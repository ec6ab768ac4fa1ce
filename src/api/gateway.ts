import { z } from "zod";

// The Gateway API (v1beta1) match and filter types embedded in Rollout steps, with the bounds and
// defaults their CRD markers carry.

const headerName = () =>
  z
    .string()
    .min(1)
    .max(256)
    .regex(/^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$/);

const mapListByName = { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] };

export const HTTPHeaderMatch = z.object({
  type: z.enum(["Exact", "RegularExpression"]).default("Exact"),
  name: headerName(),
  value: z.string().min(1).max(4096),
});
export type HTTPHeaderMatch = z.infer<typeof HTTPHeaderMatch>;

export const HTTPQueryParamMatch = z.object({
  type: z.enum(["Exact", "RegularExpression"]).default("Exact"),
  name: headerName(),
  value: z.string().min(1).max(1024),
});
export type HTTPQueryParamMatch = z.infer<typeof HTTPQueryParamMatch>;

export const HTTPPathMatch = z.object({
  type: z.enum(["Exact", "PathPrefix", "RegularExpression"]).default("PathPrefix"),
  value: z.string().max(1024).default("/"),
});
export type HTTPPathMatch = z.infer<typeof HTTPPathMatch>;

const HTTPHeader = z.object({ name: headerName(), value: z.string().min(1).max(4096) });

export const HTTPHeaderFilter = z.object({
  set: z.array(HTTPHeader).max(16).meta(mapListByName).optional(),
  add: z.array(HTTPHeader).max(16).meta(mapListByName).optional(),
  remove: z.array(z.string()).max(16).optional(),
});
export type HTTPHeaderFilter = z.infer<typeof HTTPHeaderFilter>;

/** v1alpha1 list of header matches (no list-map semantics there). */
export const HeaderMatchesV1alpha1 = z.array(HTTPHeaderMatch).max(16);
/** v1beta1 list of header matches, merged by name. */
export const HeaderMatchesV1beta1 = z.array(HTTPHeaderMatch).max(16).meta(mapListByName);
export const QueryParamMatches = z.array(HTTPQueryParamMatch).max(16).meta(mapListByName);
