// `npm run demo`: brings up the local control plane (building it on first use),
// shows it healthy and runs the canary demos that exist so far.
import * as k8s from "@kubernetes/client-node";
import { defaultClusterOptions, up } from "../devcluster/cluster.js";
import { binaries } from "../devcluster/paths.js";

function say(line = ""): void {
  console.log(line);
}

async function main(): Promise<void> {
  say("== kruise-rollout demo: local control plane ==");
  const info = await up(defaultClusterOptions);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);

  const nodes = await core.listNode();
  say(`\n${nodes.items.length} nodes (simulated by KWOK):`);
  for (const n of nodes.items) {
    const ready = n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    say(`  ${n.metadata?.name}  ${ready ? "Ready" : "NotReady"}`);
  }

  const namespace = "demo";
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(() => undefined);
  await apps.deleteNamespacedDeployment({ namespace, name: "hello" }).catch(() => undefined);
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: "hello" },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "hello" } },
        template: {
          metadata: { labels: { app: "hello" } },
          spec: { containers: [{ name: "main", image: "nginx:1.27" }] },
        },
      },
    },
  });
  const deadline = Date.now() + 60_000;
  let ready = 0;
  while (Date.now() < deadline) {
    const d = await apps.readNamespacedDeployment({ namespace, name: "hello" });
    ready = d.status?.readyReplicas ?? 0;
    if (ready === 3) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  say(`\nsample Deployment demo/hello: ${ready}/3 pods Ready`);
  if (ready !== 3) throw new Error("the sample Deployment did not become Ready");

  say("\nThe cluster keeps running. Use it with:");
  say(`  export KUBECONFIG=${info.kubeconfig}`);
  say(`  ${binaries.kubectl} get pods -A`);
  say("Stop it with: npm run cluster:down");
}

main().catch((err: Error) => {
  console.error(`demo failed: ${err.message}`);
  process.exit(1);
});
