// Inputs of the traffic-routing core, spelled exactly as upstream's rollouts.kruise.io/v1beta1
// JSON (api/v1beta1/trafficrouting.go, rollout_types.go) and the Gateway API types it embeds,
// so the zod-derived API types from src/api can replace these without any behaviour change.
// Only the fields the core reads are declared; everything else passes through untouched.

/** rollouts.kruise.io/v1beta1 ObjectRef, used by `customNetworkRefs`. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
}

export interface IngressTrafficRouting {
  /** Selects the Lua script; "" or absent means "nginx". */
  classType?: string;
  name: string;
}

export interface GatewayTrafficRouting {
  httpRouteName?: string;
}

export interface TrafficRoutingRef {
  /** The stable Service. */
  service: string;
  /** CRD default 3; see services.ts for how 0 and negatives are read. */
  gracePeriodSeconds?: number;
  ingress?: IngressTrafficRouting;
  gateway?: GatewayTrafficRouting;
  customNetworkRefs?: ObjectRef[];
}

/** Gateway API HTTPHeaderMatch / HTTPQueryParamMatch (the CRD defaults `type` to Exact). */
export interface HTTPHeaderMatch {
  type?: string;
  name: string;
  value: string;
}

/** Gateway API HTTPPathMatch (the CRD defaults type PathPrefix, value "/"). */
export interface HTTPPathMatch {
  type?: string;
  value?: string;
}

export interface HttpRouteMatch {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPHeaderMatch[];
}

export interface HTTPHeader {
  name: string;
  value: string;
}

/** Gateway API HTTPHeaderFilter. */
export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}

/** The traffic part of a step (v1beta1 TrafficRoutingStrategy, inlined into CanaryStep). */
export interface TrafficRoutingStrategy {
  /** "N%" of requests to the canary. */
  traffic?: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  matches?: HttpRouteMatch[];
}

/** metav1.OwnerReference as written on generated objects (canary Service, canary Ingress). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Metadata {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
  [field: string]: unknown;
}

/** Any API object as it arrives over the wire. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Metadata;
  [field: string]: unknown;
}

export interface ServicePort {
  nodePort?: number;
  [field: string]: unknown;
}

export interface Service extends KubeObject {
  spec?: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    [field: string]: unknown;
  };
}

export interface IngressBackend {
  service?: { name: string; port?: { name?: string; number?: number } };
  [field: string]: unknown;
}

export interface IngressPath {
  path?: string;
  pathType?: string;
  backend: IngressBackend;
}

export interface IngressRule {
  host?: string;
  http?: { paths: IngressPath[] };
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    tls?: unknown[];
    rules?: IngressRule[];
    [field: string]: unknown;
  };
}

export interface HTTPBackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [field: string]: unknown;
}

export interface HTTPRouteMatch {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPHeaderMatch[];
  method?: string;
}

export interface HTTPRouteRule {
  matches?: HTTPRouteMatch[];
  backendRefs?: HTTPBackendRef[];
  [field: string]: unknown;
}

export interface HTTPRoute extends KubeObject {
  spec?: { rules?: HTTPRouteRule[]; [field: string]: unknown };
}
