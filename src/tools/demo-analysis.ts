// Part 3 of `npm run demo`: two releases whose first step is judged by a metric. A tiny
// HTTP endpoint on 127.0.0.1 plays the monitoring system (the web provider reads
// `$.errorRate`); one release sees 1% errors and advances on its own, the other 50%
// and is aborted, its traffic and pods returned to the stable version.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as k8s from "@kubernetes/client-node";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rollout {
  status?: {
    phase?: string;
    message?: string;
    canaryStatus?: { currentStepIndex?: number; currentStepState?: string };
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    analysis?: {
      step?: {
        phase?: string;
        metrics?: { name: string; measurements?: { value?: string; phase?: string }[] }[];
      };
    };
  };
}

export async function analysisDemo(
  kc: k8s.KubeConfig,
  ns: string,
  say: (line: string) => void,
): Promise<void> {
  const rates: Record<string, number> = { "/healthy": 0.01, "/failing": 0.5 };
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ errorRate: rates[req.url ?? ""] ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    say(`  the monitoring endpoint ${base}: /healthy answers {"errorRate":0.01}, /failing {"errorRate":0.5}`);
    await custom.createNamespacedCustomObject({
      group: "rollouts.kruise.io",
      version: "v1alpha1",
      namespace: ns,
      plural: "analysistemplates",
      body: {
        apiVersion: "rollouts.kruise.io/v1alpha1",
        kind: "AnalysisTemplate",
        metadata: { name: "error-rate" },
        spec: {
          args: [{ name: "path" }],
          metrics: [
            {
              name: "error-rate",
              provider: { web: { url: `${base}/{{args.path}}`, jsonPath: "$.errorRate" } },
              successCondition: "result < 0.1",
              failureCondition: "result >= 0.1",
            },
          ],
        },
      },
    });
    for (const [name, path] of [
      ["good", "healthy"],
      ["bad", "failing"],
    ] as const) {
      const labels = { app: name };
      await apps.createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name },
          spec: {
            replicas: 3,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name, image: `${name}:v1` }] } },
          },
        },
      });
      await custom.createNamespacedCustomObject({
        group: "rollouts.kruise.io",
        version: "v1beta1",
        namespace: ns,
        plural: "rollouts",
        body: {
          apiVersion: "rollouts.kruise.io/v1beta1",
          kind: "Rollout",
          metadata: { name },
          spec: {
            workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name },
            strategy: {
              canary: {
                steps: [
                  {
                    replicas: 1,
                    analysis: {
                      templates: [{ templateName: "error-rate" }],
                      args: [{ name: "path", value: path }],
                    },
                  },
                  { replicas: "100%" },
                ],
              },
            },
          },
        },
      });
    }
    const read = async (name: string) =>
      (await custom.getNamespacedCustomObject({
        group: "rollouts.kruise.io",
        version: "v1beta1",
        namespace: ns,
        plural: "rollouts",
        name,
      })) as Rollout;
    for (const name of ["good", "bad"]) {
      while ((await read(name)).status?.phase !== "Healthy") await sleep(500);
    }
    say("  Rollouts good and bad are Healthy; releasing v2 of both (step 1: 1 pod, then analysis)…");
    for (const name of ["good", "bad"]) {
      await apps.patchNamespacedDeployment(
        {
          namespace: ns,
          name,
          body: { spec: { template: { spec: { containers: [{ name, image: `${name}:v2` }] } } } },
        },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
      );
    }
    const seen = new Map<string, string>();
    const finished = new Set<string>();
    const deadline = Date.now() + 5 * 60_000;
    while (finished.size < 2 && Date.now() < deadline) {
      for (const name of ["good", "bad"]) {
        if (finished.has(name)) continue;
        const s = (await read(name)).status ?? {};
        const run = s.analysis?.step;
        const m = run?.metrics?.[0]?.measurements?.at(-1);
        const line = `  [${name}] ${s.phase} step ${s.canaryStatus?.currentStepIndex}/2 ${s.canaryStatus?.currentStepState}${run ? ` — analysis ${run.phase}${m ? `, error-rate = ${m.value}` : ""}` : ""}`;
        if (seen.get(name) !== line) say(line);
        seen.set(name, line);
        const succeeded = s.conditions?.find((c) => c.type === "Succeeded");
        if (s.phase === "Healthy" && succeeded) {
          const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name}` })).items;
          const images = pods
            .filter((p) => !p.metadata?.deletionTimestamp)
            .map((p) => p.spec?.containers[0]?.image);
          if (images.length !== 3 || new Set(images).size !== 1) continue;
          say(
            succeeded.status === "True"
              ? `  [${name}] advanced on healthy metrics without approval: all pods run ${images[0]}`
              : `  [${name}] aborted (${succeeded.reason}): ${succeeded.message}; traffic and all pods are back on ${images[0]}`,
          );
          finished.add(name);
        }
      }
      await sleep(500);
    }
    if (finished.size < 2) throw new Error("the analysis releases did not finish in time");
  } finally {
    server.close();
  }
}
