// The cluster objects the upstream Go controller expects before it starts, derived from the
// files of its own release (copied next to the binary by build-rollouts-upstream.sh): what
// its kustomize overlays would have produced, minus the in-cluster Deployment and Service.
import { parseAllDocuments } from "yaml";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Crd extends Manifest {
  spec: { versions: unknown[]; conversion?: unknown; [key: string]: unknown };
}

interface WebhookConfiguration extends Manifest {
  webhooks?: ({ name: string } & Record<string, unknown>)[];
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null && typeof m === "object");
}

/**
 * A CRD with upstream's conversion webhook stanza (config/crd/patches/webhook_in_*.yaml) for
 * every kind served in more than one version, pointed at `url`. The controller adds the
 * caBundle itself. Without it the apiserver converts v1alpha1 ⇄ v1beta1 by dropping fields.
 */
export function withConversion(crd: Manifest, url: string): Manifest {
  const c = crd as Crd;
  if (c.kind !== "CustomResourceDefinition") throw new Error(`${c.metadata.name}: not a CRD`);
  if ((c.spec.versions ?? []).length < 2) return c;
  return {
    ...c,
    spec: {
      ...c.spec,
      conversion: {
        strategy: "Webhook",
        webhook: { clientConfig: { url }, conversionReviewVersions: ["v1", "v1beta1"] },
      },
    },
  };
}

/**
 * The Mutating/ValidatingWebhookConfigurations the controller insists on finding
 * (pkg/webhook/util/configuration: it only fills them in): config/webhook/manifests.yaml with
 * kustomize's `kruise-rollout-` name prefix and patch_manifests.yaml's per-webhook fields
 * (the objectSelectors that limit the workload hold to labelled workloads) merged by name.
 * The Service reference is a placeholder the controller turns into a URL on WEBHOOK_HOST.
 */
export function webhookConfigurations(manifestsYaml: string, patchYaml: string): Manifest[] {
  const patches = parseManifests(patchYaml) as WebhookConfiguration[];
  return (parseManifests(manifestsYaml) as WebhookConfiguration[]).map((config) => {
    const patch = patches.find((p) => p.kind === config.kind && p.metadata.name === config.metadata.name);
    const webhooks = (config.webhooks ?? []).map((w) => ({
      ...w,
      ...(patch?.webhooks?.find((p) => p.name === w.name) ?? {}),
    }));
    return {
      apiVersion: config.apiVersion,
      kind: config.kind,
      metadata: { name: `kruise-rollout-${config.metadata.name}` },
      webhooks,
    };
  });
}
