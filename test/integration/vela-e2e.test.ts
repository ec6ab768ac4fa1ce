// End to end with the real KubeVela (issue 6 §4): vela-core and the vela CLI built from the
// github.com/oam-dev/kubevela Go module (src/devcluster/build-kubevela.sh), vela-core running as a
// local process against the local control plane, and our controller as the global setup runs it
// (outside the cluster, webhooks by URL on the base port + 10). The addon is enabled with the real
// `vela addon enable` in webhookMode=url pointing at that controller.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  apply,
  ensureKubevela,
  installKubevela,
  kubevelaBinaries,
  type Obj,
  type RunningVelaCore,
  refOf,
  startVelaCore,
  type VelaResult,
  vela,
  velaSystem,
} from "../../src/devcluster/kubevela.js";
import { isConflict, isNotFound } from "../../src/kube/api-error.js";
import { createKubeClient, type KubeClient } from "../../src/kube/client.js";
import {
  customResourceDefinitions,
  mutatingWebhookConfigurations,
  resourcePath,
  validatingWebhookConfigurations,
} from "../../src/kube/resource.js";
import { seedApplication, seedImage, seedName, seedNetwork } from "../../src/tools/vela-seed.js";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";

const basePort = Number(process.env.KRT_TEST_PORT_BASE ?? 17443);
const webhookURL = `https://127.0.0.1:${basePort + 10}`;
const minutes = 60_000;

let cluster: TestCluster;
let client: KubeClient;
let kubeconfig: string;
let velaCore: RunningVelaCore | undefined;
let ns = "";

const log = (line: string) => console.error(`[vela-e2e] ${line}`);

async function run(args: string[], timeoutMs?: number): Promise<VelaResult> {
  log(`$ vela ${args.join(" ")}`);
  const r = await vela(kubeconfig, args, { timeoutMs });
  for (const line of `${r.stdout}${r.stderr}`.trim().split("\n")) if (line) log(`  ${line}`);
  log(`  (exit ${r.code})`);
  return r;
}

async function get(
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
): Promise<Obj | undefined> {
  try {
    return await client.request<Obj>({
      method: "GET",
      path: resourcePath(refOf({ apiVersion, kind }), { namespace, name }),
    });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: API objects are arbitrary JSON here
type Any = Record<string, any>;
const app = async (name = seedName) =>
  (await get("core.oam.dev/v1beta1", "Application", name, ns)) as Any | undefined;
const rollout = async (name = seedName) =>
  (await get("rollouts.kruise.io/v1alpha1", "Rollout", name, ns)) as Any | undefined;

async function podsByImage(selector: string): Promise<Record<string, number>> {
  const pods = await client.request<{ items: Any[] }>({
    method: "GET",
    path: `/api/v1/namespaces/${ns}/pods`,
    query: { labelSelector: selector },
  });
  const counts: Record<string, number> = {};
  for (const p of pods.items) {
    if (p.metadata.deletionTimestamp) continue;
    const ready = p.status?.conditions?.some((c: Any) => c.type === "Ready" && c.status === "True");
    if (!ready) continue;
    const image = p.spec.containers[0].image as string;
    counts[image] = (counts[image] ?? 0) + 1;
  }
  return counts;
}

async function canaryWeight(): Promise<string | undefined> {
  const ing = (await get("networking.k8s.io/v1", "Ingress", `${seedName}-canary`, ns)) as Any | undefined;
  return ing?.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"];
}

async function waitForApp(phase: string, name = seedName, timeoutMs = 8 * minutes): Promise<Any> {
  log(`waiting for Application ${name} ${phase}`);
  return eventually(
    `Application ${ns}/${name} ${phase}`,
    async () => {
      const a = await app(name);
      return a?.status?.status === phase && a.status.observedGeneration === a.metadata.generation && a;
    },
    timeoutMs,
    500,
  );
}

async function waitForBatch(
  step: number,
  state: string,
  name = seedName,
  timeoutMs = 8 * minutes,
): Promise<Any> {
  log(`waiting for Rollout ${name} at step ${step} ${state}`);
  return eventually(
    `Rollout ${ns}/${name} at step ${step} ${state}`,
    async () => {
      const r = await rollout(name);
      const c = r?.status?.canaryStatus;
      return c?.currentStepIndex === step && c.currentStepState === state && r;
    },
    timeoutMs,
    500,
  );
}

async function waitForRolloutHealthy(name = seedName, timeoutMs = 8 * minutes): Promise<Any> {
  log(`waiting for Rollout ${name} Healthy`);
  return eventually(
    `Rollout ${ns}/${name} Healthy`,
    async () => {
      const r = await rollout(name);
      return r?.status?.phase === "Healthy" && r.status.observedGeneration === r.metadata.generation && r;
    },
    timeoutMs,
    500,
  );
}

async function publish(
  image: string,
  publishVersion: string,
  extra: Partial<Parameters<typeof seedApplication>[0]> = {},
) {
  log(`publishing ${image} as ${publishVersion}`);
  await apply(client, seedApplication({ namespace: ns, image, publishVersion, ...extra, ...seedExtras }));
}

/** The seed's trait, with one more step so that resuming shows the next batch, and 5 pods. */
const seedExtras = { steps: [{ weight: 20 }, { weight: 60 }], replicas: 5 };
const selector = `app.oam.dev/component=${seedName}`;

// `vela addon disable` deletes what the addon carries — our CRDs and the webhook configurations —
// which the rest of the run shares with this file. Keep them as the global setup left them, and
// put them back afterwards.
const shared = [
  ...["rollouts", "batchreleases", "trafficroutings", "analysistemplates", "clusteranalysistemplates"].map(
    (plural) => ({ resource: customResourceDefinitions, name: `${plural}.rollouts.kruise.io` }),
  ),
  { resource: mutatingWebhookConfigurations, name: "kruise-rollout-mutating-webhook-configuration" },
  { resource: validatingWebhookConfigurations, name: "kruise-rollout-validating-webhook-configuration" },
];
let snapshot: { path: string; collection: string; object: Any }[] = [];

async function takeSnapshot(): Promise<void> {
  snapshot = [];
  for (const { resource, name } of shared) {
    const object = await client.request<Any>({ method: "GET", path: resourcePath(resource, { name }) });
    for (const f of ["resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"])
      delete object.metadata[f];
    delete object.status;
    snapshot.push({ path: resourcePath(resource, { name }), collection: resourcePath(resource), object });
  }
}

async function restoreSnapshot(): Promise<void> {
  // The addon's namespace is the controller's ConfigMap namespace too: wait out its deletion.
  await eventually(
    "namespace kruise-rollout not terminating",
    async () => {
      const nsObj = await client
        .request<Any>({ method: "GET", path: "/api/v1/namespaces/kruise-rollout" })
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      return !nsObj?.metadata?.deletionTimestamp;
    },
    3 * minutes,
    1000,
  );
  for (const { path, collection, object } of snapshot) {
    // A deleted CRD lingers while its objects are cleaned up: wait until it is gone.
    await eventually(
      `${object.metadata.name} restorable`,
      async () => {
        const live = await client
          .request<Any>({ method: "GET", path })
          .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
        if (live && !live.metadata.deletionTimestamp) return true;
        if (live) return false;
        await client.request({ method: "POST", path: collection, body: object });
        return true;
      },
      3 * minutes,
      1000,
    );
  }
  for (const { object } of snapshot.filter((x) => x.object.kind === "CustomResourceDefinition")) {
    await eventually(`${object.metadata.name} established`, async () => {
      const live = await client.request<Any>({
        method: "GET",
        path: resourcePath(customResourceDefinitions, { name: object.metadata.name }),
      });
      return live.status?.conditions?.some((c: Any) => c.type === "Established" && c.status === "True");
    });
  }
}

beforeAll(async () => {
  cluster = connect();
  kubeconfig = inject("kubeconfig");
  client = createKubeClient({ kubeconfig, qps: 200, burst: 400 });
  await takeSnapshot();
  const t0 = Date.now();
  log(`building vela-core and vela when missing (${kubevelaBinaries.core}); a cold build takes many minutes`);
  await ensureKubevela();
  log(`KubeVela binaries ready after ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  await installKubevela(kubeconfig);
  velaCore = await startVelaCore({
    kubeconfig,
    dir: mkdtempSync(join(tmpdir(), "krt-vela-core-")),
    metricsPort: basePort + 20,
    healthPort: basePort + 21,
  });
  log(`vela-core running (log: ${velaCore.logFile})`);
  ns = await createNamespace(cluster, "vela-e2e");
  for (const o of seedNetwork(ns)) await apply(client, o);
}, 120 * minutes);

afterAll(async () => {
  // Applications carry vela-core's finalizer: delete them while vela-core still runs.
  if (ns) {
    for (const name of [seedName, "flow-demo", "chart-demo"]) {
      await client
        .request({
          method: "DELETE",
          path: resourcePath(refOf({ apiVersion: "core.oam.dev/v1beta1", kind: "Application" }), {
            namespace: ns,
            name,
          }),
        })
        .catch(() => undefined);
    }
    await eventually(
      "Applications deleted",
      async () => !(await app(seedName)) && !(await app("flow-demo")) && !(await app("chart-demo")),
      60_000,
    ).catch(() => undefined);
    await deleteNamespace(cluster, ns);
  }
  await velaCore?.stop();
  await restoreSnapshot();
}, 10 * minutes);

/**
 * An Application as VelaUX's "Canary Rollout Setting" leaves it (packages/velaux-ui/src/pages/
 * ApplicationWorkflowStudio/components/CanarySetting): its deploy step `deploy` (here without
 * policies) becomes a StepByStep step-group of prepare-canary (weight 0, the deploy step's policies:
 * null), then, per batch, a suspend step and a canary-deploy step (2 batches: 50, 100).
 */
function velauxCanaryApp(name: string, image: string, publishVersion: string): Obj {
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: {
      name,
      namespace: ns,
      annotations: { "app.oam.dev/publishVersion": publishVersion },
    } as Obj["metadata"],
    spec: {
      components: [
        {
          name,
          type: "webservice",
          properties: { image },
          traits: [{ type: "scaler", properties: { replicas: 4 } }],
        },
      ],
      workflow: {
        steps: [
          {
            type: "step-group",
            name: "deploy-canary",
            mode: "StepByStep",
            subSteps: [
              { name: "prepare-canary", type: "canary-deploy", properties: { weight: 0, policies: null } },
              { name: "deploy-approve-1", type: "suspend" },
              { name: "deploy-batch-1", type: "canary-deploy", properties: { weight: 50, policies: [] } },
              { name: "deploy-approve-2", type: "suspend" },
              { name: "deploy-batch-2", type: "canary-deploy", properties: { weight: 100, policies: [] } },
            ],
          },
        ],
      },
    },
  };
}

async function waitForSuspendedStep(name: string, step: string): Promise<void> {
  log(`waiting for Application ${name} suspended at ${step}`);
  await eventually(
    `Application ${ns}/${name} suspended at ${step}`,
    async () => {
      const a = await app(name);
      const w = a?.status?.workflow;
      const suspending = (w?.steps ?? [])
        .flatMap((s: Any) => [s, ...(s.subSteps ?? [])])
        .filter((s: Any) => s.phase === "suspending")
        .map((s: Any) => s.name);
      return a?.status?.status === "workflowSuspending" && w?.suspend === true && suspending.includes(step);
    },
    10 * minutes,
    1000,
  );
}

/**
 * What VelaUX's Continue button causes: GET .../workflows/{w}/records/{r}/resume has the server call
 * kubevela's operation.ResumeWorkflow(app, "") (velaux pkg/server/domain/service/workflow.go), which
 * clears status.workflow.suspend, sets every suspending step and sub-step to running, and merge-patches
 * the Application's status. It does not touch Rollouts (no ResumeRollout, unlike `vela workflow resume`).
 */
async function velauxContinue(name: string): Promise<void> {
  log(`VelaUX Continue on ${name}`);
  // The status is vela-core's too: a write that races it gets a conflict, and Continue is pressed again.
  for (let attempt = 1; ; attempt++) {
    const a = (await app(name)) as Any;
    const workflow = a.status.workflow;
    expect(workflow.suspend, "Continue is offered only while the workflow is suspended").toBe(true);
    workflow.suspend = false;
    for (const step of workflow.steps ?? []) {
      for (const sub of step.subSteps ?? []) if (sub.phase === "suspending") sub.phase = "running";
      if (step.phase === "suspending") {
        step.phase = "running";
        for (const sub of step.subSteps ?? [])
          if (!["succeeded", "failed", "skipped"].includes(sub.phase)) sub.phase = "running";
      }
    }
    try {
      await client.request({
        method: "PATCH",
        path: `${resourcePath(refOf({ apiVersion: "core.oam.dev/v1beta1", kind: "Application" }), { namespace: ns, name })}/status`,
        contentType: "application/merge-patch+json",
        body: { metadata: { resourceVersion: a.metadata.resourceVersion }, status: { workflow } },
      });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 10) throw err;
    }
  }
}

describe("the kruise-rollout addon with the real KubeVela", () => {
  it("1. vela addon enable ./addon succeeds (webhookMode=url, pointing at the local controller)", {
    timeout: 15 * minutes,
  }, async () => {
    // Run in the repository root, exactly as the README says.
    const r = await run(
      ["addon", "enable", "./addon", "webhookMode=url", `webhookURL=${webhookURL}`],
      11 * minutes,
    );
    expect(r.code, r.stderr).toBe(0);
    // The CLI names a local addon after its directory ("addon") and so does not wait for the
    // Application, which metadata.yaml names addon-kruise-rollout: wait for it here.
    expect(r.stdout).toContain("Addon addon enabled successfully");
    const addonApp = await eventually(
      "Application addon-kruise-rollout running",
      async () => {
        const a = (await get("core.oam.dev/v1beta1", "Application", "addon-kruise-rollout", velaSystem)) as
          | Any
          | undefined;
        return a?.status?.status === "running" && a.status.observedGeneration === a.metadata.generation && a;
      },
      10 * minutes,
      1000,
    );
    expect(addonApp.metadata.labels["addons.oam.dev/registry"]).toBe("local");
    const status = await run(["addon", "status", "kruise-rollout"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("kruise-rollout: enabled");
    for (const [kind, name] of [
      ["TraitDefinition", "kruise-rollout"],
      ["TraitDefinition", "rolling-release"],
      ["WorkflowStepDefinition", "canary-deploy"],
    ] as const) {
      expect(await get("core.oam.dev/v1beta1", kind, name, velaSystem), name).toBeDefined();
    }
    // The webhooks the addon ships are the ones the controller serves, and carry its caBundle.
    const mutating = (await get(
      "admissionregistration.k8s.io/v1",
      "MutatingWebhookConfiguration",
      "kruise-rollout-mutating-webhook-configuration",
    )) as Any;
    expect(mutating.metadata.labels?.["app.oam.dev/name"]).toBe("addon-kruise-rollout");
    for (const w of mutating.webhooks) {
      expect(w.clientConfig.url).toBe(`${webhookURL}/mutate-workload`);
      expect(w.clientConfig.caBundle, w.name).toBeTruthy();
    }
    const crd = (await get(
      "apiextensions.k8s.io/v1",
      "CustomResourceDefinition",
      "rollouts.rollouts.kruise.io",
    )) as Any;
    expect(crd.spec.conversion.webhook.clientConfig.url).toBe(`${webhookURL}/convert`);
    expect(crd.spec.conversion.webhook.clientConfig.caBundle).toBeTruthy();
  });

  it("2. the seed's Application deploys", { timeout: 10 * minutes }, async () => {
    await publish(seedImage("v1"), "v1");
    await waitForApp("running");
    await waitForRolloutHealthy();
    const r = (await rollout()) as Any;
    expect(r.spec.objectRef.workloadRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: seedName,
    });
    expect(await podsByImage(selector)).toEqual({ [seedImage("v1")]: 5 });
  });

  it("3. publishing v2 runs batch 1 and pauses", { timeout: 10 * minutes }, async () => {
    await publish(seedImage("v2"), "v2");
    await waitForBatch(1, "StepPaused");
    await eventually("20% canary weight", async () => (await canaryWeight()) === "20");
    const pods = await eventually("one v2 pod", async () => {
      const p = await podsByImage(selector);
      return p[seedImage("v2")] === 1 && p;
    });
    expect(pods[seedImage("v1")]).toBe(5);
    // vela-core re-evaluates the trait's status on its own schedule: wait for it to catch up.
    const trait = await eventually("the trait reports the pause", async () => {
      const a = (await app()) as Any;
      const t = a?.status?.services?.[0]?.traits?.find((x: Any) => x.type === "kruise-rollout");
      return a?.status?.status === "runningWorkflow" && t?.message?.includes("batch 1/2 paused")
        ? t
        : undefined;
    });
    expect(trait.message).toContain("batch 1/2 paused, waiting for approval");
  });

  it("4. vela workflow resume moves the rollout to the next batch", { timeout: 10 * minutes }, async () => {
    const r = await run(["workflow", "resume", seedName, "-n", ns]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Rollout ${ns}/${seedName}`);
    await waitForBatch(2, "StepPaused");
    await eventually("60% canary weight", async () => (await canaryWeight()) === "60");
    await eventually("three v2 pods", async () => (await podsByImage(selector))[seedImage("v2")] === 3);
    // The last batch: resume again and the release completes.
    expect((await run(["workflow", "resume", seedName, "-n", ns])).code).toBe(0);
    await waitForRolloutHealthy();
    await waitForApp("running");
    await eventually("all pods on v2", async () => {
      const p = await podsByImage(selector);
      return p[seedImage("v2")] === 5 && Object.keys(p).length === 1;
    });
    expect(await canaryWeight()).toBeUndefined();
  });

  it("5. a second release, at the pause, goes through vela workflow rollback and rolls back", {
    timeout: 20 * minutes,
  }, async () => {
    await publish(seedImage("v3"), "v3");
    await waitForBatch(1, "StepPaused");
    await eventually("one v3 pod", async () => (await podsByImage(selector))[seedImage("v3")] === 1);
    let r = await run(["workflow", "rollback", seedName, "-n", ns]);
    if (r.code !== 0 && `${r.stdout}${r.stderr}`.includes("can not rollback a running workflow")) {
      // The trait keeps the workflow running while the Rollout waits; vela needs it suspended first.
      expect((await run(["workflow", "suspend", seedName, "-n", ns])).code).toBe(0);
      r = await run(["workflow", "rollback", seedName, "-n", ns]);
    }
    expect(r.code, r.stderr).toBe(0);
    // Back on v2: the canary goes, traffic returns to the stable Service, the Rollout is Healthy.
    await waitForRolloutHealthy(seedName, 10 * minutes);
    await eventually(
      "all pods back on v2",
      async () => {
        const p = await podsByImage(selector);
        return p[seedImage("v2")] === 5 && Object.keys(p).length === 1;
      },
      5 * minutes,
    );
    expect(await canaryWeight()).toBeUndefined();
    const a = await waitForApp("running");
    expect(a.metadata.annotations["app.oam.dev/publishVersion"]).toBe("v2");
  });

  it("6. a Helm-like component (k8s-objects carrying the chart's rendered Deployment) is canaried", {
    timeout: 10 * minutes,
  }, async () => {
    // The fluxcd helm component needs fluxcd's helm and source controllers, which cannot run here; a
    // k8s-objects component applies a chart's rendered manifests the same way, and its output is the
    // Deployment the trait releases.
    const chart = (image: string, publishVersion: string): Obj => ({
      apiVersion: "core.oam.dev/v1beta1",
      kind: "Application",
      metadata: {
        name: "chart-demo",
        namespace: ns,
        annotations: { "app.oam.dev/publishVersion": publishVersion },
      } as Obj["metadata"],
      spec: {
        components: [
          {
            name: "chart-demo",
            type: "k8s-objects",
            properties: {
              objects: [
                {
                  apiVersion: "apps/v1",
                  kind: "Deployment",
                  metadata: { name: "chart-demo", labels: { app: "chart-demo" } },
                  spec: {
                    replicas: 4,
                    selector: { matchLabels: { app: "chart-demo" } },
                    template: {
                      metadata: { labels: { app: "chart-demo" } },
                      spec: { containers: [{ name: "main", image }] },
                    },
                  },
                },
              ],
            },
            traits: [{ type: "kruise-rollout", properties: { canary: { steps: [{ replicas: 1 }] } } }],
          },
        ],
      },
    });
    await apply(client, chart(seedImage("v1"), "c1"));
    await waitForApp("running", "chart-demo");
    await waitForRolloutHealthy("chart-demo");
    await apply(client, chart(seedImage("v2"), "c2"));
    await waitForBatch(1, "StepPaused", "chart-demo");
    await eventually("one chart-demo v2 pod", async () => {
      const p = await podsByImage("app=chart-demo");
      // v1alpha1 on a Deployment: the canary is an extra Deployment beside the untouched stable one.
      return p[seedImage("v2")] === 1 && p[seedImage("v1")] === 4;
    });
    expect((await run(["workflow", "resume", "chart-demo", "-n", ns])).code).toBe(0);
    await waitForRolloutHealthy("chart-demo");
    await waitForApp("running", "chart-demo");
    await eventually("all chart-demo pods on v2", async () => {
      const p = await podsByImage("app=chart-demo");
      return p[seedImage("v2")] === 4 && Object.keys(p).length === 1;
    });
  });

  it("6b. VelaUX's canary flow: prepare-canary releases nothing, each approval moves the release one batch", {
    timeout: 30 * minutes,
  }, async () => {
    const name = "flow-demo";
    const flowSelector = `app.oam.dev/component=${name}`;
    await apply(client, velauxCanaryApp(name, seedImage("v1"), "f1"));
    // First deploy: the prepare step lets the new workload through, then each batch waits for Continue.
    for (const step of ["deploy-approve-1", "deploy-approve-2"]) {
      await waitForSuspendedStep(name, step);
      await velauxContinue(name);
    }
    await waitForApp("running", name);
    await waitForRolloutHealthy(name);
    await eventually("four v1 pods", async () => (await podsByImage(flowSelector))[seedImage("v1")] === 4);

    await apply(client, velauxCanaryApp(name, seedImage("v2"), "f2"));
    // prepare-canary: the new version is published and held, nothing is released.
    await waitForSuspendedStep(name, "deploy-approve-1");
    const held = (await rollout(name)) as Any;
    expect(held.spec.strategy.paused).toBe(true);
    await eventually("the release held before its first batch", async () => {
      const r = (await rollout(name)) as Any;
      return r?.status?.conditions?.some((c: Any) => c.type === "Progressing" && c.reason === "Paused");
    });
    expect(await podsByImage(flowSelector)).toEqual({ [seedImage("v1")]: 4 });

    // Continue (approve 1): batch 1, half of the pods, then the next approval.
    await velauxContinue(name);
    await waitForBatch(1, "StepPaused", name);
    await waitForSuspendedStep(name, "deploy-approve-2");
    await eventually("two v2 pods beside two v1 pods", async () => {
      const p = await podsByImage(flowSelector);
      return p[seedImage("v2")] === 2 && p[seedImage("v1")] === 2;
    });

    // Continue (approve 2): the last batch completes the release.
    await velauxContinue(name);
    await waitForRolloutHealthy(name);
    await waitForApp("running", name);
    await eventually("all flow-demo pods on v2", async () => {
      const p = await podsByImage(flowSelector);
      return p[seedImage("v2")] === 4 && Object.keys(p).length === 1;
    });
  });

  it("7. vela addon disable removes everything", { timeout: 10 * minutes }, async () => {
    // disable refuses while an Application uses the addon's definitions.
    const refused = await run(["addon", "disable", "kruise-rollout"]);
    expect(refused.code).not.toBe(0);
    for (const name of [seedName, "flow-demo", "chart-demo"]) {
      expect((await run(["delete", name, "-n", ns, "-y"])).code).toBe(0);
    }
    await eventually(
      "Applications gone",
      async () => !(await app(seedName)) && !(await app("flow-demo")) && !(await app("chart-demo")),
      2 * minutes,
    );
    // Enabled from ./addon, the addon is still called kruise-rollout (its metadata.yaml name).
    const byDir = await run(["addon", "disable", "addon"]);
    expect(byDir.code).not.toBe(0);
    const r = await run(["addon", "disable", "kruise-rollout"]);
    expect(r.code, r.stderr).toBe(0);
    const leftovers = async () => {
      const left: string[] = [];
      const check = async (apiVersion: string, kind: string, name: string, namespace?: string) => {
        const o = (await get(apiVersion, kind, name, namespace)) as Any | undefined;
        if (o && !o.metadata.deletionTimestamp) left.push(`${kind} ${name}`);
      };
      await check("core.oam.dev/v1beta1", "Application", "addon-kruise-rollout", velaSystem);
      await check("core.oam.dev/v1beta1", "TraitDefinition", "kruise-rollout", velaSystem);
      await check("core.oam.dev/v1beta1", "TraitDefinition", "rolling-release", velaSystem);
      await check("core.oam.dev/v1beta1", "WorkflowStepDefinition", "canary-deploy", velaSystem);
      for (const crd of ["rollouts", "batchreleases", "trafficroutings"]) {
        await check("apiextensions.k8s.io/v1", "CustomResourceDefinition", `${crd}.rollouts.kruise.io`);
      }
      await check(
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
        "kruise-rollout-mutating-webhook-configuration",
      );
      await check(
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
        "kruise-rollout-validating-webhook-configuration",
      );
      await check("rbac.authorization.k8s.io/v1", "ClusterRole", "kruise-rollout");
      await check("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "kruise-rollout");
      await check("v1", "Namespace", "kruise-rollout");
      return left;
    };
    await eventually(
      "every addon object gone",
      async () => (await leftovers()).length === 0,
      2 * minutes,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; still there: ${(await leftovers()).join(", ")}`);
    });
  });
});
