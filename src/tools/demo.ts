// `npm run demo`: brings up the local control plane (building it on first use), starts
// the controller beside it, and runs releases end to end while printing each step: the
// seed's StatefulSet example, a Deployment canary behind an nginx Ingress, and two
// releases judged by a metric (one advances, one is aborted).
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { kubeCluster } from "../cli/cluster.js";
import { live } from "../cli/live.js";
import { painter, useColor } from "../cli/render/style.js";
import { renderStatus } from "../cli/status/render.js";
import { readSnapshot } from "../cli/status/snapshot.js";
import { statusView } from "../cli/status/view.js";
import { defaultClusterOptions, up } from "../devcluster/cluster.js";
import { installCrds, startController } from "../devcluster/controller.js";
import {
  apply,
  deleteIfExists,
  ensureKubevela,
  installKubevela,
  kubevelaBinaries,
  kubevelaVersion,
  refOf,
  startVelaCore,
  vela,
  velaSystem,
} from "../devcluster/kubevela.js";
import { binaries, clusterDir } from "../devcluster/paths.js";
import { createKubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/resource.js";
import { analysisDemo } from "./demo-analysis.js";
import { seedApplication, seedImage, seedName, seedNetwork } from "./vela-seed.js";

const say = (line = "") => console.log(line);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Demo {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
  objects: k8s.KubernetesObjectApi;
  kubeconfig: string;
}

async function ensureNamespace(d: Demo, name: string): Promise<void> {
  await d.core.deleteNamespace({ name }).catch(() => undefined);
  while (
    await d.core.readNamespace({ name }).then(
      () => true,
      () => false,
    )
  )
    await sleep(500);
  await d.core.createNamespace({ body: { metadata: { name } } });
  for (let i = 0; i < 100; i++) {
    if (
      await d.core.readNamespacedServiceAccount({ namespace: name, name: "default" }).then(
        () => true,
        () => false,
      )
    )
      return;
    await sleep(200);
  }
}

/**
 * Follows a release until Healthy in the CLI's live view (`kruise-rollout status --watch`),
 * approving manual pauses after showing them.
 */
async function follow(d: Demo, ns: string, name: string, newImage: string): Promise<void> {
  const cluster = kubeCluster(createKubeClient({ kubeconfig: d.kubeconfig }), ns);
  const paint = painter(useColor(process.stdout));
  let screen = live(process.stdout);
  const deadline = Date.now() + 5 * 60_000;
  try {
    while (Date.now() < deadline) {
      const view = statusView(await readSnapshot(cluster, name), new Date());
      screen.show(renderStatus(view, { paint, program: "npm run cli --" }));
      const done =
        view.phase === "Healthy" &&
        view.step?.state === "Completed" &&
        view.old.ready === 0 &&
        view.new.ready > 0;
      if (done && (await allOn(d, ns, newImage))) return;
      if (view.step?.state === "StepPaused" && view.message.includes("manually confirm")) {
        screen.done();
        say(`  → approving step ${view.step.current} now. By hand: npm run cli -- approve ${name} -n ${ns}`);
        say(`    or: kubectl-kruise rollout approve rollout/${name} -n ${ns}`);
        await sleep(1500);
        await d.custom.patchNamespacedCustomObjectStatus(
          {
            group: "rollouts.kruise.io",
            version: "v1beta1",
            namespace: ns,
            plural: "rollouts",
            name,
            body: { status: { canaryStatus: { currentStepState: "StepReady" } } },
          },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
        screen = live(process.stdout);
      }
      await sleep(1000);
    }
  } finally {
    screen.done();
  }
  throw new Error(`rollout ${ns}/${name} did not finish in time`);
}

async function allOn(d: Demo, ns: string, image: string): Promise<boolean> {
  const pods = (await d.core.listNamespacedPod({ namespace: ns })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );
  return pods.length > 0 && pods.every((p) => p.spec?.containers[0]?.image === image);
}

async function waitHealthy(d: Demo, ns: string, name: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const r = (await d.custom
      .getNamespacedCustomObject({
        group: "rollouts.kruise.io",
        version: "v1beta1",
        namespace: ns,
        plural: "rollouts",
        name,
      })
      .catch(() => undefined)) as { status?: { phase?: string } } | undefined;
    if (r?.status?.phase === "Healthy") return;
    await sleep(250);
  }
  throw new Error(`rollout ${ns}/${name} never became Healthy`);
}

async function seedStatefulSet(d: Demo): Promise<void> {
  const ns = "demo-statefulset";
  say("\n== 1. The seed's StatefulSet example: replicas 1 (approve), 2 (pause 60 s), 2 ==");
  await ensureNamespace(d, ns);
  await d.apps.createNamespacedStatefulSet({
    namespace: ns,
    body: {
      metadata: { name: "echoserver" },
      spec: {
        replicas: 5,
        serviceName: "echoserver",
        selector: { matchLabels: { app: "echoserver" } },
        template: {
          metadata: { labels: { app: "echoserver" } },
          spec: { containers: [{ name: "echoserver", image: "cilium/echoserver:latest" }] },
        },
      },
    },
  });
  await d.objects.create({
    apiVersion: "rollouts.kruise.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "rollouts-demo", namespace: ns },
    spec: {
      objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "echoserver" } },
      strategy: {
        canary: {
          steps: [{ replicas: 1, pause: {} }, { replicas: 2, pause: { duration: 60 } }, { replicas: 2 }],
        },
      },
    },
  } as k8s.KubernetesObject);
  await waitHealthy(d, ns, "rollouts-demo");
  say("  StatefulSet echoserver (5 pods) and Rollout rollouts-demo are Healthy; updating the image…");
  await d.apps.patchNamespacedStatefulSet(
    {
      namespace: ns,
      name: "echoserver",
      body: {
        spec: { template: { spec: { containers: [{ name: "echoserver", image: "cilium/echoserver:v2" }] } } },
      },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
  );
  await follow(d, ns, "rollouts-demo", "cilium/echoserver:v2");
  say("  done: every pod runs v2, the StatefulSet partition is gone, and the Rollout is Healthy.");
}

async function nginxDeployment(d: Demo): Promise<void> {
  const ns = "demo-nginx";
  say(
    "\n== 2. A Deployment canary behind an nginx Ingress: 20% traffic + 1 pod (approve), 50% + 50% (5 s), 100% ==",
  );
  await ensureNamespace(d, ns);
  const labels = { app: "echoserver" };
  await d.apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name: "echoserver" },
      spec: {
        replicas: 4,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "echoserver", image: "echoserver:v1" }] },
        },
      },
    },
  });
  await d.core.createNamespacedService({
    namespace: ns,
    body: {
      metadata: { name: "echoserver" },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    },
  });
  await d.kc.makeApiClient(k8s.NetworkingV1Api).createNamespacedIngress({
    namespace: ns,
    body: {
      metadata: { name: "echoserver" },
      spec: {
        ingressClassName: "nginx",
        rules: [
          {
            host: "echoserver.example.com",
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: "echoserver", port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  });
  await d.objects.create({
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: { name: "echoserver", namespace: ns },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "echoserver" },
      strategy: {
        canary: {
          enableExtraWorkloadForCanary: true,
          steps: [
            { traffic: "20%", replicas: 1, pause: {} },
            { traffic: "50%", replicas: "50%", pause: { duration: 5 } },
            { replicas: "100%" },
          ],
          trafficRoutings: [
            {
              service: "echoserver",
              ingress: { name: "echoserver", classType: "nginx" },
              gracePeriodSeconds: 1,
            },
          ],
        },
      },
    },
  } as k8s.KubernetesObject);
  await waitHealthy(d, ns, "echoserver");
  say(
    "  Deployment echoserver (4 pods), Service and Ingress echoserver, Rollout echoserver are ready; updating the image…",
  );
  await d.apps.patchNamespacedDeployment(
    {
      namespace: ns,
      name: "echoserver",
      body: {
        spec: { template: { spec: { containers: [{ name: "echoserver", image: "echoserver:v2" }] } } },
      },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
  );
  await follow(d, ns, "echoserver", "echoserver:v2");
  say(
    "  done: traffic is back on the stable Service, the canary Ingress and Service are gone, all pods run v2.",
  );
}

async function main(): Promise<void> {
  if (process.argv.includes("--vela")) return velaDemo();
  say("== kruise-rollout demo ==");
  const info = await up(defaultClusterOptions);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const d: Demo = {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    kubeconfig: info.kubeconfig,
  };
  const nodes = await d.core.listNode();
  say(`local control plane: ${nodes.items.length} KWOK nodes Ready; kubeconfig ${info.kubeconfig}`);
  const webhookPort = defaultClusterOptions.basePort + 10;
  await installCrds(info.kubeconfig, `https://127.0.0.1:${webhookPort}/convert`);
  const controller = await startController({
    kubeconfig: info.kubeconfig,
    dir: join(clusterDir(defaultClusterOptions.name), "controller"),
    webhookPort,
    healthPort: defaultClusterOptions.basePort + 11,
  });
  say(`controller running (log: ${controller.logFile})`);
  try {
    await seedStatefulSet(d);
    await nginxDeployment(d);
    say(
      "\n== 3. Metric analysis: one release advances on healthy metrics, one is aborted on failing ones ==",
    );
    await ensureNamespace(d, "demo-analysis");
    await analysisDemo(d.kc, "demo-analysis", say);
  } finally {
    await controller.stop();
  }
  say("\nThe cluster keeps running (the controller has stopped). Look around with:");
  say(`  export KUBECONFIG=${info.kubeconfig}`);
  say(`  ${binaries.kubectl} get rollouts,pods -A`);
  say("Stop it with: npm run cluster:down");
}

/**
 * `npm run demo -- --vela`: the seed's KubeVela example with the real vela-core and vela CLI (built from
 * the Go module on first use): enable the addon, deploy the Application, publish v2, watch batch 1 pause,
 * resume it with `vela workflow resume`.
 */
async function velaDemo(): Promise<void> {
  say("== kruise-rollout demo: the seed's KubeVela example ==");
  const info = await up(defaultClusterOptions);
  const kubeconfig = info.kubeconfig;
  const base = defaultClusterOptions.basePort;
  const webhookPort = base + 10;
  await installCrds(kubeconfig, `https://127.0.0.1:${webhookPort}/convert`);
  const dir = join(clusterDir(defaultClusterOptions.name), "vela");
  const controller = await startController({
    kubeconfig,
    dir: join(clusterDir(defaultClusterOptions.name), "controller"),
    webhookPort,
    healthPort: base + 11,
  });
  say(`controller running (log: ${controller.logFile})`);
  say("building vela-core and the vela CLI if needed (a cold build takes many minutes)…");
  await ensureKubevela();
  await installKubevela(kubeconfig);
  const core = await startVelaCore({ kubeconfig, dir, metricsPort: base + 20, healthPort: base + 21 });
  say(`vela-core ${kubevelaVersion} running outside the cluster (log: ${core.logFile})`);
  const client = createKubeClient({ kubeconfig });
  const sh = async (args: string[]) => {
    say(`\n$ vela ${args.join(" ")}`);
    const r = await vela(kubeconfig, args);
    for (const line of `${r.stdout}${r.stderr}`.trim().split("\n")) say(`  ${line}`);
    if (r.code !== 0) throw new Error(`vela ${args[0]} ${args[1] ?? ""} failed (exit ${r.code})`);
  };
  const ns = "demo-vela";
  const get = async (apiVersion: string, kind: string, name: string) =>
    client
      // biome-ignore lint/suspicious/noExplicitAny: API objects are arbitrary JSON here
      .request<Record<string, any>>({
        method: "GET",
        path: resourcePath(refOf({ apiVersion, kind }), { namespace: ns, name }),
      })
      .catch(() => undefined);
  const until = async (what: string, test: () => Promise<boolean>) => {
    for (let i = 0; i < 1200; i++) {
      if (await test()) return;
      await sleep(500);
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const rollout = () => get("rollouts.kruise.io/v1alpha1", "Rollout", seedName);
  const appPhase = async () => (await get("core.oam.dev/v1beta1", "Application", seedName))?.status?.status;
  try {
    await sh([
      "addon",
      "enable",
      "./addon",
      "webhookMode=url",
      `webhookURL=https://127.0.0.1:${webhookPort}`,
    ]);
    // Enabled from ./addon, the CLI waits for `addon-addon` (it names a local addon after its
    // directory), finds none and returns at once: wait for the addon's Application here.
    await until("the addon's Application running", async () => {
      const a = await client
        // biome-ignore lint/suspicious/noExplicitAny: API objects are arbitrary JSON here
        .request<Record<string, any>>({
          method: "GET",
          path: resourcePath(refOf({ apiVersion: "core.oam.dev/v1beta1", kind: "Application" }), {
            namespace: velaSystem,
            name: "addon-kruise-rollout",
          }),
        })
        .catch(() => undefined);
      return a?.status?.status === "running" && a.status.observedGeneration === a.metadata.generation;
    });
    await sh(["addon", "status", "kruise-rollout"]);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    await ensureNamespace({ core: kc.makeApiClient(k8s.CoreV1Api) } as Demo, ns);
    // A run before this one left its Application (at v2, or failed): start again from nothing, while
    // vela-core runs to take its finalizer off.
    const seedApp = {
      apiVersion: "core.oam.dev/v1beta1",
      kind: "Application",
      metadata: { name: seedName, namespace: ns },
    };
    if (await get(seedApp.apiVersion, seedApp.kind, seedName)) {
      say(`\n== Removing the Application ${ns}/${seedName} of an earlier run ==`);
      await deleteIfExists(client, seedApp);
      await until(
        "the earlier Application gone",
        async () => !(await get(seedApp.apiVersion, seedApp.kind, seedName)),
      );
    }
    for (const o of seedNetwork(ns)) await apply(client, o);
    say(
      `\n== The seed's Application (webservice + kruise-rollout trait, nginx traffic) in ${ns}, image v1 ==`,
    );
    await apply(client, seedApplication({ namespace: ns, image: seedImage("v1"), publishVersion: "v1" }));
    await until("the Application running", async () => (await appPhase()) === "running");
    await sh(["status", seedName, "-n", ns]);
    say("\n== Publishing v2: batch 1 (20% of pods, 20% of traffic) then a manual approval ==");
    await apply(client, seedApplication({ namespace: ns, image: seedImage("v2"), publishVersion: "v2" }));
    await until("batch 1 paused", async () => {
      const c = (await rollout())?.status?.canaryStatus;
      return c?.currentStepIndex === 1 && c.currentStepState === "StepPaused";
    });
    const canary = await get("networking.k8s.io/v1", "Ingress", `${seedName}-canary`);
    say(
      `  canary Ingress weight: ${canary?.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"]}%`,
    );
    await sh(["status", seedName, "-n", ns]);
    await sh(["workflow", "resume", seedName, "-n", ns]);
    await until("the release complete", async () => (await rollout())?.status?.phase === "Healthy");
    await until("the Application running", async () => (await appPhase()) === "running");
    await sh(["status", seedName, "-n", ns]);
    say("\ndone: every pod runs v2, the canary Ingress is gone and the Application is running.");
  } finally {
    await core.stop();
    await controller.stop();
  }
  say("\nThe cluster keeps running (vela-core and the controller have stopped). Look around with:");
  say(`  export KUBECONFIG=${kubeconfig}`);
  say(`  ${kubevelaBinaries.cli} status ${seedName} -n ${ns}`);
  say("Stop it with: npm run cluster:down");
}

main().catch((err: Error) => {
  console.error(`demo failed: ${err.message}`);
  process.exit(1);
});
