import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import {
  customResourceDefinitions,
  mutatingWebhookConfigurations,
  resourcePath,
  validatingWebhookConfigurations,
} from "../kube/resource.js";

export const mutatingConfigName = "kruise-rollout-mutating-webhook-configuration";
export const validatingConfigName = "kruise-rollout-validating-webhook-configuration";
export const convertedCrds = ["rollouts.rollouts.kruise.io", "batchreleases.rollouts.kruise.io"];

/** Where the apiserver reaches our webhooks: a Service in the cluster, or a URL outside it. */
export type WebhookEndpoint =
  | { url: string }
  | { service: { namespace: string; name: string; port: number } };

function clientConfig(endpoint: WebhookEndpoint, path: string) {
  return "url" in endpoint ? { url: `${endpoint.url}${path}` } : { service: { ...endpoint.service, path } };
}

const workloadSelector = {
  matchExpressions: [{ key: "rollouts.kruise.io/workload-type", operator: "Exists" }],
};

/**
 * The admission webhooks. The workload hold fails closed (`Fail`): if the controller
 * is unreachable, an update to a workload that has a Rollout is refused with the
 * apiserver's "failed calling webhook" message rather than rolled out unheld. The
 * objectSelector keeps every other workload out of the blast radius.
 */
export function webhookConfigurations(endpoint: WebhookEndpoint) {
  const common = {
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    timeoutSeconds: 10,
  };
  return {
    mutating: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: mutatingConfigName },
      webhooks: [
        {
          ...common,
          name: "mdeployment.kb.io",
          clientConfig: clientConfig(endpoint, "/mutate-workload"),
          objectSelector: workloadSelector,
          rules: [
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["deployments"] },
          ],
        },
        {
          ...common,
          name: "munifiedworload.kb.io",
          clientConfig: clientConfig(endpoint, "/mutate-workload"),
          objectSelector: workloadSelector,
          rules: [
            { apiGroups: ["apps"], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["statefulsets"] },
            // CloneSets and Advanced DaemonSets at v1alpha1 only, as upstream registers them:
            // the hold reads the v1alpha1 shape, and with the default matchPolicy (Equivalent)
            // the apiserver converts an update made through v1beta1 (kruise 1.9 serves a
            // CloneSet v1beta1 with another updateStrategy) to v1alpha1 before calling us.
            // Registered whether or not the CRDs exist: rules for absent kinds match nothing,
            // and a CRD installed later is covered without touching the configuration.
            {
              apiGroups: ["apps.kruise.io"],
              apiVersions: ["v1alpha1"],
              operations: ["UPDATE"],
              resources: ["clonesets", "daemonsets"],
            },
            {
              apiGroups: ["apps.kruise.io"],
              apiVersions: ["v1alpha1", "v1beta1"],
              operations: ["UPDATE"],
              resources: ["statefulsets"],
            },
          ],
        },
      ],
    },
    validating: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: validatingConfigName },
      webhooks: [
        {
          ...common,
          name: "vrollout.kb.io",
          clientConfig: clientConfig(endpoint, "/validate-rollout"),
          rules: [
            {
              apiGroups: ["rollouts.kruise.io"],
              apiVersions: ["v1alpha1", "v1beta1"],
              operations: ["CREATE", "UPDATE"],
              resources: ["rollouts"],
            },
          ],
        },
      ],
    },
  };
}

/** Creates or replaces both configurations (URL mode: the controller owns them). */
export async function applyWebhookConfigurations(
  client: KubeClient,
  endpoint: WebhookEndpoint,
  caBundle: string,
) {
  const { mutating, validating } = webhookConfigurations(endpoint);
  for (const [resource, obj] of [
    [mutatingWebhookConfigurations, mutating],
    [validatingWebhookConfigurations, validating],
  ] as const) {
    const withCa = {
      ...obj,
      webhooks: obj.webhooks.map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle } })),
    };
    await client.request({
      method: "PATCH",
      path: resourcePath(resource, { name: obj.metadata.name }),
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "kruise-rollout-ts", force: true },
      body: withCa,
    });
  }
}

/** Points the CRDs' conversion webhook at us (URL mode) with our CA. */
export async function applyConversionWebhook(
  client: KubeClient,
  endpoint: WebhookEndpoint,
  caBundle: string,
) {
  for (const name of convertedCrds) {
    try {
      await client.request({
        method: "PATCH",
        path: resourcePath(customResourceDefinitions, { name }),
        contentType: "application/merge-patch+json",
        body: {
          spec: {
            conversion: {
              strategy: "Webhook",
              webhook: {
                conversionReviewVersions: ["v1"],
                // A merge patch: null out the other way of reaching us, or the CRD holds both.
                clientConfig: {
                  ...("url" in endpoint ? { service: null } : { url: null }),
                  ...clientConfig(endpoint, "/convert"),
                  caBundle,
                },
              },
            },
          },
        },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
