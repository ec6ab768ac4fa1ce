import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { createKubeClient } from "../../../src/kube/client.js";
import { customResourceDefinitions, resourcePath } from "../../../src/kube/resource.js";

const repoRoot = join(import.meta.dirname, "..", "..", "..");

/**
 * Applies our generated CRDs (src/api/crds) and waits until they are Established.
 * Raw JSON on purpose: client-node's typed serializer drops schema keys such as
 * x-kubernetes-int-or-string that its model spells differently.
 */
export async function installOwnCrds(kubeconfig: string, conversionUrl: string): Promise<void> {
  const client = createKubeClient({ kubeconfig });
  const dir = join(repoRoot, "src", "api", "crds");
  const names: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    const crd = parse(readFileSync(join(dir, file), "utf8")) as {
      metadata: { name: string };
      spec: { conversion?: { webhook?: { clientConfig?: unknown } } };
    };
    // Point conversion where the test controller listens, as the controller itself will
    // (it then adds its caBundle), so re-applying on a reused cluster never leaves a CRD
    // with both a Service and a URL.
    if (crd.spec.conversion?.webhook) crd.spec.conversion.webhook.clientConfig = { url: conversionUrl };
    await client.request({
      method: "PATCH",
      path: resourcePath(customResourceDefinitions, { name: crd.metadata.name }),
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "kruise-rollout-tests", force: true },
      body: crd,
    });
    names.push(crd.metadata.name);
  }
  for (const name of names) {
    for (let i = 0; i < 100; i++) {
      const crd = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
        method: "GET",
        path: resourcePath(customResourceDefinitions, { name }),
      });
      if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
