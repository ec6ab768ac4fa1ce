import { describe, expect, it } from "vitest";
import {
  type Manifest,
  webhookConfigurations,
  withConversion,
} from "../../../src/devcluster/upstream-rollouts-manifests.js";

const crd = (versions: string[]): Manifest => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "rollouts.rollouts.kruise.io" },
  spec: { group: "rollouts.kruise.io", versions: versions.map((name) => ({ name })) },
});

describe("upstream CRDs", () => {
  it("get the conversion webhook where two versions are served", () => {
    const out = withConversion(crd(["v1alpha1", "v1beta1"]), "https://127.0.0.1:9/convert");
    expect((out.spec as { conversion: unknown }).conversion).toEqual({
      strategy: "Webhook",
      webhook: {
        clientConfig: { url: "https://127.0.0.1:9/convert" },
        conversionReviewVersions: ["v1", "v1beta1"],
      },
    });
  });

  it("stay as they are with one version", () => {
    const one = crd(["v1alpha1"]);
    expect(withConversion(one, "https://x/convert")).toBe(one);
  });
});

describe("upstream webhook configurations", () => {
  const manifests = `---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  creationTimestamp: null
  name: mutating-webhook-configuration
webhooks:
- name: mdeployment.kb.io
  clientConfig: {service: {name: webhook-service, namespace: system, path: /mutate-apps-v1-deployment}}
- name: mother.kb.io
  clientConfig: {service: {name: webhook-service, namespace: system, path: /other}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: validating-webhook-configuration
webhooks:
- name: vrollout.kb.io
  clientConfig: {service: {name: webhook-service, namespace: system, path: /validate}}
`;
  const patch = `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: mutating-webhook-configuration
webhooks:
  - name: mdeployment.kb.io
    objectSelector:
      matchExpressions: [{key: rollouts.kruise.io/workload-type, operator: Exists}]
`;

  it("carry kustomize's name prefix and the patched objectSelectors", () => {
    const [mutating, validating] = webhookConfigurations(manifests, patch) as (Manifest & {
      webhooks: Record<string, unknown>[];
    })[];
    expect(mutating?.metadata).toEqual({ name: "kruise-rollout-mutating-webhook-configuration" });
    expect(mutating?.webhooks[0]).toEqual({
      name: "mdeployment.kb.io",
      clientConfig: {
        service: { name: "webhook-service", namespace: "system", path: "/mutate-apps-v1-deployment" },
      },
      objectSelector: { matchExpressions: [{ key: "rollouts.kruise.io/workload-type", operator: "Exists" }] },
    });
    expect(mutating?.webhooks[1]).not.toHaveProperty("objectSelector");
    expect(validating?.metadata.name).toBe("kruise-rollout-validating-webhook-configuration");
  });
});
