// OpenKruise's kruise-manager (controllers and webhooks in one binary) run as a local process
// against the local control plane, outside the cluster like our controller: its webhooks are
// reached by URL on 127.0.0.1 (WEBHOOK_HOST), with a self-signed certificate it writes to a
// directory of ours. Built from the github.com/openkruise/kruise Go module by build-kruise.sh.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { isNotFound } from "../kube/api-error.js";
import { createKubeClient, type KubeClient } from "../kube/client.js";
import {
  customResourceDefinitions,
  mutatingWebhookConfigurations,
  resourcePath,
  validatingWebhookConfigurations,
} from "../kube/resource.js";
import { cacheRoot } from "./paths.js";

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, "build-kruise.sh");

export const kruiseVersion = process.env.KRUISE_VERSION ?? "v1.9.0";
const binDir = join(cacheRoot, "bin", `kruise-${kruiseVersion}`);
export const kruiseManagerBinary = join(binDir, "kruise-manager");
/**
 * Every CRD of the same kruise version, copied from the Go module by build-kruise.sh (the three
 * in ../shared/crds/openkruise are not enough: kruise-manager exits when, for example, the
 * ImagePullJob kind it indexes is missing). KRT_KRUISE_CRDS points elsewhere.
 */
export const kruiseCrdDir = process.env.KRT_KRUISE_CRDS ?? join(binDir, "crds");
export const kruiseNamespace = "kruise-system";
// kruise-manager looks these two up by name and refuses to start its webhooks without them.
export const kruiseMutatingConfig = "kruise-mutating-webhook-configuration";
export const kruiseValidatingConfig = "kruise-validating-webhook-configuration";

/**
 * Builds kruise-manager and copies its CRDs when they are missing (10–25 minutes cold on 2
 * cores), progress on stderr.
 */
export async function ensureKruise(): Promise<string> {
  if (existsSync(kruiseManagerBinary) && existsSync(kruiseCrdDir)) return kruiseManagerBinary;
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", [script], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, KRT_CACHE: cacheRoot, KRUISE_VERSION: kruiseVersion },
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`building kruise-manager failed (exit ${code})`)),
    );
  });
  if (!existsSync(kruiseManagerBinary))
    throw new Error(`kruise-manager still missing after the build: ${kruiseManagerBinary}`);
  return kruiseManagerBinary;
}

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

async function apply(client: KubeClient, path: string, o: Obj): Promise<void> {
  await client.request({
    method: "PATCH",
    path,
    contentType: "application/apply-patch+yaml",
    query: { fieldManager: "kruise-rollout-dev", force: true },
    body: o,
  });
}

/**
 * The CRDs kruise's kustomization gives a conversion webhook (`config/crd/patches/webhook_in_*`).
 * CloneSet matters most: v1.9.0 stores v1beta1, whose updateStrategy has another shape than the
 * v1alpha1 that Kruise Rollout reads and writes, so without the webhook the two versions would be
 * relabelled copies of each other. kruise-manager fills in the CA bundle when it starts.
 */
const convertedKinds = [
  "clonesets",
  "sidecarsets",
  "statefulsets",
  "uniteddeployments",
  "daemonsets",
  "containerrecreaterequests",
  "resourcedistributions",
  "persistentpodstates",
  "workloadspreads",
].map((plural) => `${plural}.apps.kruise.io`);

/**
 * Installs the OpenKruise CRDs (with conversion by the webhook on `webhookPort`) and waits until
 * each is Established. Returns their names.
 */
export async function installKruiseCrds(client: KubeClient, webhookPort: number): Promise<string[]> {
  if (!existsSync(kruiseCrdDir)) throw new Error(`${kruiseCrdDir} does not exist (the OpenKruise CRDs)`);
  const crds = readdirSync(kruiseCrdDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(kruiseCrdDir, f), "utf8")).map((d) => d.toJS() as Obj),
    )
    .filter((o) => o?.kind === "CustomResourceDefinition");
  for (const crd of crds) {
    if (convertedKinds.includes(crd.metadata.name)) {
      (crd.spec as Record<string, unknown>).conversion = {
        strategy: "Webhook",
        webhook: {
          clientConfig: { url: `https://127.0.0.1:${webhookPort}/convert` },
          conversionReviewVersions: ["v1", "v1beta1"],
        },
      };
    }
    await apply(client, resourcePath(customResourceDefinitions, { name: crd.metadata.name }), crd);
  }
  for (const crd of crds) {
    for (let i = 0; ; i++) {
      const live = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
        method: "GET",
        path: resourcePath(customResourceDefinitions, { name: crd.metadata.name }),
      });
      if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (i > 600) throw new Error(`CRD ${crd.metadata.name} not Established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return crds.map((c) => c.metadata.name);
}

type Rule = { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] };
const kruiseApps = (operations: string[], resources: string[]): Rule => ({
  apiGroups: ["apps.kruise.io"],
  apiVersions: ["v1alpha1", "v1beta1"],
  operations,
  resources,
});
const pods = (operations: string[], resource = "pods"): Rule => ({
  apiGroups: [""],
  apiVersions: ["v1"],
  operations,
  resources: [resource],
});

/**
 * The subset of kruise's `config/webhook/manifests.yaml` (with its `patch_manifests.yaml`
 * selectors) that the workloads we release need: pods, CloneSets, Advanced StatefulSets and
 * Advanced DaemonSets. Namespaces labelled `control-plane` are left out of the pod webhooks, as
 * upstream does.
 */
export function kruiseWebhooks(port: number) {
  const hook = (name: string, path: string, rules: Rule[], extra: Record<string, unknown> = {}) => ({
    name,
    admissionReviewVersions: ["v1", "v1beta1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    clientConfig: { url: `https://127.0.0.1:${port}${path}` },
    rules,
    ...extra,
  });
  const notControlPlane = {
    namespaceSelector: { matchExpressions: [{ key: "control-plane", operator: "DoesNotExist" }] },
  };
  return {
    mutating: [
      hook("mpod.kb.io", "/mutate-pod", [pods(["CREATE"])], notControlPlane),
      hook("mcloneset.kb.io", "/mutate-apps-kruise-io-cloneset", [
        kruiseApps(["CREATE", "UPDATE"], ["clonesets"]),
      ]),
      hook("mstatefulset.kb.io", "/mutate-apps-kruise-io-statefulset", [
        kruiseApps(["CREATE", "UPDATE"], ["statefulsets"]),
      ]),
      hook("mdaemonset.kb.io", "/mutate-apps-kruise-io-daemonset", [
        kruiseApps(["CREATE", "UPDATE"], ["daemonsets"]),
      ]),
    ],
    validating: [
      hook("vpod.kb.io", "/validate-pod", [pods(["UPDATE", "DELETE"])], notControlPlane),
      hook("vpodeviction.kb.io", "/validate-pod", [pods(["CREATE"], "pods/eviction")], notControlPlane),
      hook("vcloneset.kb.io", "/validate-apps-kruise-io-cloneset", [
        kruiseApps(["CREATE", "UPDATE", "DELETE"], ["clonesets"]),
      ]),
      hook("vstatefulset.kb.io", "/validate-apps-kruise-io-statefulset", [
        kruiseApps(["CREATE", "UPDATE", "DELETE"], ["statefulsets"]),
      ]),
      hook("vdaemonset.kb.io", "/validate-apps-kruise-io-daemonset", [
        kruiseApps(["CREATE", "UPDATE"], ["daemonsets"]),
      ]),
    ],
  };
}

/**
 * Pre-creates kruise's two webhook configurations with no webhooks and the list in the
 * `template` annotation, which kruise-manager reads first: it then writes the webhooks
 * together with its CA bundle, so no failing-closed webhook is ever registered without one.
 */
async function createWebhookConfigurations(client: KubeClient, port: number): Promise<void> {
  const { mutating, validating } = kruiseWebhooks(port);
  for (const [resource, kind, name, hooks] of [
    [mutatingWebhookConfigurations, "MutatingWebhookConfiguration", kruiseMutatingConfig, mutating],
    [validatingWebhookConfigurations, "ValidatingWebhookConfiguration", kruiseValidatingConfig, validating],
  ] as const) {
    // Replace, never merge: a leftover from an earlier run may carry another port.
    await deleteIfExists(client, resourcePath(resource, { name }));
    await client.request({
      method: "POST",
      path: resourcePath(resource),
      body: {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind,
        metadata: { name, annotations: { template: JSON.stringify(hooks) } },
        webhooks: [],
      },
    });
  }
}

async function deleteIfExists(client: KubeClient, path: string): Promise<void> {
  try {
    await client.request({ method: "DELETE", path });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Removes kruise's webhook configurations: mpod/vpod fail closed on every pod without it. */
export async function deleteKruiseWebhooks(client: KubeClient): Promise<void> {
  await deleteIfExists(client, resourcePath(mutatingWebhookConfigurations, { name: kruiseMutatingConfig }));
  await deleteIfExists(
    client,
    resourcePath(validatingWebhookConfigurations, { name: kruiseValidatingConfig }),
  );
}

export interface KruiseOptions {
  kubeconfig: string;
  /** Working directory: the log file and the webhook certificates. */
  dir: string;
  webhookPort: number;
  metricsPort: number;
  healthPort: number;
  extraArgs?: string[];
}

export interface RunningKruise {
  child: ChildProcess;
  logFile: string;
  /** Stops kruise-manager and deletes its webhook configurations. */
  stop(): Promise<void>;
}

async function webhooksReady(client: KubeClient): Promise<boolean> {
  const config = await client.request<{ webhooks?: { clientConfig?: { caBundle?: string } }[] }>({
    method: "GET",
    path: resourcePath(mutatingWebhookConfigurations, { name: kruiseMutatingConfig }),
  });
  const hooks = config.webhooks ?? [];
  return hooks.length > 0 && hooks.every((w) => !!w.clientConfig?.caBundle);
}

/**
 * Installs the OpenKruise CRDs and namespace, pre-creates the webhook configurations, starts
 * kruise-manager (leader election off, no kruise-daemon: KWOK nodes have none) and waits until
 * it is ready and its webhooks carry its CA bundle. Every listener is on 127.0.0.1 except the
 * webhook server, which kruise binds on all addresses.
 */
export async function startKruise(o: KruiseOptions): Promise<RunningKruise> {
  const binary = await ensureKruise();
  const client = createKubeClient({ kubeconfig: o.kubeconfig, qps: 50, burst: 100 });
  await installKruiseCrds(client, o.webhookPort);
  await apply(
    client,
    resourcePath({ group: "", version: "v1", plural: "namespaces" }, { name: kruiseNamespace }),
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: kruiseNamespace },
    },
  );
  await createWebhookConfigurations(client, o.webhookPort);
  mkdirSync(o.dir, { recursive: true });
  const logFile = join(o.dir, "kruise-manager.log");
  const log = openSync(logFile, "a");
  const child = spawn(
    binary,
    [
      `--metrics-addr=127.0.0.1:${o.metricsPort}`,
      `--health-probe-addr=127.0.0.1:${o.healthPort}`,
      "--enable-leader-election=false",
      "--enable-pprof=false",
      "--feature-gates=KruiseDaemon=false",
      "--rest-config-qps=100",
      "--rest-config-burst=200",
      ...(o.extraArgs ?? []),
    ],
    {
      stdio: ["ignore", log, log],
      env: {
        ...process.env,
        KUBECONFIG: o.kubeconfig,
        WEBHOOK_HOST: "127.0.0.1",
        WEBHOOK_PORT: String(o.webhookPort),
        WEBHOOK_CERT_DIR: join(o.dir, "certs"),
        POD_NAMESPACE: kruiseNamespace,
        NO_PROXY: "127.0.0.1,localhost",
      },
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await deleteKruiseWebhooks(client);
  };
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await deleteKruiseWebhooks(client);
      throw new Error(`kruise-manager exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    }
    const ok =
      (await fetch(`http://127.0.0.1:${o.healthPort}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      )) && (await webhooksReady(client).catch(() => false));
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kruise-manager did not become ready; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { child, logFile, stop };
}
