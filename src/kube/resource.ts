// Where a kind lives in the REST API. We name resources explicitly (group, version, plural)
// instead of asking discovery, so a request costs one round trip and works before CRDs settle.

export interface ResourceRef {
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
}

export interface ObjectLocation {
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function resourcePath(resource: ResourceRef, at: ObjectLocation = {}): string {
  const base = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  const parts = [base];
  if (at.namespace) parts.push("namespaces", encodeURIComponent(at.namespace));
  parts.push(resource.plural);
  if (at.name) parts.push(encodeURIComponent(at.name));
  if (at.subresource) parts.push(at.subresource);
  return parts.join("/");
}

export const leases: ResourceRef = { group: "coordination.k8s.io", version: "v1", plural: "leases" };
export const secrets: ResourceRef = { group: "", version: "v1", plural: "secrets" };
export const mutatingWebhookConfigurations: ResourceRef = {
  group: "admissionregistration.k8s.io",
  version: "v1",
  plural: "mutatingwebhookconfigurations",
};
export const validatingWebhookConfigurations: ResourceRef = {
  group: "admissionregistration.k8s.io",
  version: "v1",
  plural: "validatingwebhookconfigurations",
};
export const customResourceDefinitions: ResourceRef = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
};
