// Publishes our CA to the objects through which the apiserver calls us: every webhook of the
// Mutating/ValidatingWebhookConfigurations we own, and the conversion webhook of our CRDs.
// The patch is computed purely from the object as read and sent as a JSON patch guarded by its
// resourceVersion; only fields that differ are touched, so an unchanged bundle costs one GET.
import { isConflict } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import type { KubeObject } from "../kube/object.js";
import { type JsonPatchOperation, jsonPatch } from "../kube/patch.js";
import {
  customResourceDefinitions,
  mutatingWebhookConfigurations,
  type ResourceRef,
  resourcePath,
  validatingWebhookConfigurations,
} from "../kube/resource.js";

interface ClientConfig {
  caBundle?: string;
  url?: string;
  service?: unknown;
}

export interface WebhookConfiguration extends KubeObject {
  webhooks?: { name: string; clientConfig?: ClientConfig }[];
}

export interface CustomResourceDefinition extends KubeObject {
  spec?: { conversion?: { strategy?: string; webhook?: { clientConfig?: ClientConfig } } };
}

type Plan = (object: KubeObject) => JsonPatchOperation[];

export interface CaBundleTargets {
  mutatingWebhookConfigurations?: string[];
  validatingWebhookConfigurations?: string[];
  customResourceDefinitions?: string[];
}

/** Sets caBundle on every webhook of a Mutating/ValidatingWebhookConfiguration that lacks it. */
export function webhookCaBundlePatch(config: WebhookConfiguration, caBundle: string): JsonPatchOperation[] {
  return (config.webhooks ?? []).flatMap((webhook, index) =>
    webhook.clientConfig?.caBundle === caBundle
      ? []
      : [{ op: "add" as const, path: `/webhooks/${index}/clientConfig/caBundle`, value: caBundle }],
  );
}

/** Sets caBundle on a CRD's conversion webhook; CRDs without webhook conversion are left alone. */
export function crdCaBundlePatch(crd: CustomResourceDefinition, caBundle: string): JsonPatchOperation[] {
  const conversion = crd.spec?.conversion;
  if (conversion?.strategy !== "Webhook" || !conversion.webhook?.clientConfig) return [];
  if (conversion.webhook.clientConfig.caBundle === caBundle) return [];
  return [{ op: "add", path: "/spec/conversion/webhook/clientConfig/caBundle", value: caBundle }];
}

/**
 * Writes the bundle (PEM) into every target. Each target is tried even if another fails; the
 * failures are thrown together afterwards so the caller retries later.
 */
export async function publishCaBundle(
  client: KubeClient,
  targets: CaBundleTargets,
  bundlePem: string,
): Promise<void> {
  const caBundle = Buffer.from(bundlePem).toString("base64");
  const forWebhooks: Plan = (object) => webhookCaBundlePatch(object as WebhookConfiguration, caBundle);
  const forCrd: Plan = (object) => crdCaBundlePatch(object as CustomResourceDefinition, caBundle);
  const jobs: [ResourceRef, string, Plan][] = [
    ...(targets.mutatingWebhookConfigurations ?? []).map((name): [ResourceRef, string, Plan] => [
      mutatingWebhookConfigurations,
      name,
      forWebhooks,
    ]),
    ...(targets.validatingWebhookConfigurations ?? []).map((name): [ResourceRef, string, Plan] => [
      validatingWebhookConfigurations,
      name,
      forWebhooks,
    ]),
    ...(targets.customResourceDefinitions ?? []).map((name): [ResourceRef, string, Plan] => [
      customResourceDefinitions,
      name,
      forCrd,
    ]),
  ];

  const failures: unknown[] = [];
  for (const [resource, name, plan] of jobs) {
    try {
      await patchUntilCurrent(client, resource, name, plan);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, "could not publish the webhook caBundle");
}

/** Re-reads and re-plans when another writer got in between (e.g. `kubectl apply` of the config). */
async function patchUntilCurrent(
  client: KubeClient,
  resource: ResourceRef,
  name: string,
  plan: Plan,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const object = await client.request<KubeObject>({
      method: "GET",
      path: resourcePath(resource, { name }),
    });
    const ops = plan(object);
    if (ops.length === 0) return;
    try {
      const resourceVersion = object.metadata?.resourceVersion;
      await jsonPatch(client, { resource, name }, ops, resourceVersion ? { resourceVersion } : {});
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= 5) throw error;
    }
  }
}
