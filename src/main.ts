// The controller process: flags → wiring. Everything else lives in the modules.
import { createServer } from "node:http";
import { hostname } from "node:os";
import { Command, Option } from "commander";
import { pino } from "pino";
import { conversionHandler, rolloutValidationHandler, workloadHoldHandler } from "./controller/admission.js";
import { MeasurementRunner } from "./controller/analysis-runner.js";
import { analysisSource } from "./controller/analysis-source.js";
import { createCaches, startCaches, stopCaches } from "./controller/caches.js";
import { wireEvents } from "./controller/enqueue.js";
import { EventRecorder } from "./controller/events.js";
import { nativeDaemonSetReconciler, wireNativeDaemonSetEvents } from "./controller/native-daemonset.js";
import { releaseReconciler } from "./controller/release-reconciler.js";
import { rolloutReconciler } from "./controller/rollout-reconciler.js";
import { trafficSource } from "./controller/traffic.js";
import { trafficRoutingReconciler } from "./controller/trafficrouting-reconciler.js";
import {
  applyConversionWebhook,
  applyWebhookConfigurations,
  convertedCrds,
  mutatingConfigName,
  validatingConfigName,
  type WebhookEndpoint,
} from "./controller/webhook-config.js";
import { createKubeClient } from "./kube/client.js";
import { addRuntimeFlags, readRuntimeFlags } from "./kube/flags.js";
import { LeaderElector } from "./kube/leader.js";
import { WorkQueue } from "./kube/queue.js";
import { recordApiCall } from "./observe/api-calls.js";
import { probeHandler } from "./observe/http.js";
import { createMetrics } from "./observe/metrics.js";
import { instrumentReconcile } from "./observe/reconcile.js";
import { rolloutTransitions } from "./observe/transitions.js";
import { recordWebhook } from "./observe/webhook-outcome.js";
import { createLuaVm } from "./traffic/lua-vm.js";
import { publishCaBundle } from "./webhook/ca-bundle.js";
import { CertRotation, lifetimesFromFlags } from "./webhook/cert-rotation.js";
import { directoryCertStore, secretCertStore } from "./webhook/cert-store.js";
import type { AdmissionHandler } from "./webhook/review.js";
import { WebhookServer } from "./webhook/server.js";

const program = addRuntimeFlags(new Command("kruise-rollout-controller"))
  .addOption(
    new Option("--namespace <ns>", "the controller's own namespace")
      .env("POD_NAMESPACE")
      .default("kruise-rollout"),
  )
  .addOption(
    new Option("--webhook-port <port>", "HTTPS port of the webhooks").env("WEBHOOK_PORT").default("9876"),
  )
  .addOption(new Option("--webhook-host <ip>", "address the webhook server binds").default("0.0.0.0"))
  .addOption(
    new Option(
      "--webhook-url <url>",
      "reach the webhooks by URL (a controller outside the cluster), e.g. https://127.0.0.1:9876",
    ).env("WEBHOOK_URL"),
  )
  .addOption(
    new Option("--webhook-service-name <name>")
      .env("WEBHOOK_SERVICE_NAME")
      .default("kruise-rollout-webhook-service"),
  )
  .addOption(
    new Option("--webhook-cert-dir <dir>", "keep the webhook PKI in a directory instead of a Secret").env(
      "WEBHOOK_CERT_DIR",
    ),
  )
  .addOption(
    new Option("--webhook-cert-lifetime <duration>", "validity of a serving certificate (default 8760h)").env(
      "WEBHOOK_CERT_LIFETIME",
    ),
  )
  .addOption(
    new Option("--webhook-ca-lifetime <duration>", "validity of the webhook CA (default 87600h)").env(
      "WEBHOOK_CA_LIFETIME",
    ),
  )
  .addOption(
    new Option("--health-probe-bind-address <addr>", "healthz/readyz/metrics listener")
      .env("HTTP_ADDR")
      .default("0.0.0.0:8081"),
  )
  .addOption(new Option("--rollout-workers <n>").default("3"))
  .addOption(new Option("--batchrelease-workers <n>").default("3"))
  .addOption(new Option("--trafficrouting-workers <n>").default("3"))
  .addOption(
    new Option(
      "--analysis-concurrency <n>",
      "analysis measurements in flight at once (at most 4 per provider)",
    ).default("16"),
  )
  .addOption(new Option("--nativedaemonset-workers <n>").default("3"))
  .addOption(new Option("--resync <ms>", "cache resync period in milliseconds").default("600000"))
  .addOption(new Option("--no-legacy-batch-labels", "do not write the seed's apps.kruise.io batch labels"))
  .addOption(new Option("--log-level <level>").env("LOG_LEVEL").default("info"));

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts();
  const runtime = readRuntimeFlags(opts);
  const log = pino({ level: opts.logLevel as string, base: { component: "kruise-rollout" } });
  const namespace = opts.namespace as string;
  const metrics = createMetrics();
  const connection = {
    onResponse: recordApiCall(metrics),
    ...(runtime.kubeconfig ? { kubeconfig: runtime.kubeconfig } : {}),
    ...(runtime.context ? { context: runtime.context } : {}),
  };
  const client = createKubeClient({ ...connection, qps: runtime.kubeApiQps, burst: runtime.kubeApiBurst });
  // The hold's rare fresh reads have a budget of their own: queued behind the reconcilers'
  // requests, they could outlast the webhook's 10 s timeout.
  const admissionClient = createKubeClient({ ...connection, qps: 20, burst: 40 });
  const events = new EventRecorder(client, "kruise-rollout", (err) =>
    log.debug({ err }, "event not written"),
  );

  // Webhooks serve on every replica, leader or not: admission and conversion must never wait for an election.
  const url = opts.webhookUrl as string | undefined;
  const port = Number(opts.webhookPort);
  const endpoint: WebhookEndpoint = url
    ? { url }
    : { service: { namespace, name: opts.webhookServiceName as string, port: 443 } };
  const serviceHost = `${opts.webhookServiceName as string}.${namespace}.svc`;
  const identity = url
    ? { dnsNames: ["localhost"], ipAddresses: [new URL(url).hostname] }
    : { dnsNames: [serviceHost, `${serviceHost}.cluster.local`], ipAddresses: [] };
  const store = opts.webhookCertDir
    ? directoryCertStore(opts.webhookCertDir as string)
    : secretCertStore(client, namespace, "kruise-rollout-webhook-certs");
  let server: WebhookServer | undefined;
  let synced = false;
  // Before the caches are synced the hold cannot see the Rollouts, and letting an
  // update through unheld would replace pods behind the Rollout's back: refuse it.
  const untilSynced =
    (handler: AdmissionHandler): AdmissionHandler =>
    (request) =>
      synced
        ? handler(request)
        : {
            allowed: false,
            status: {
              code: 503,
              message: "kruise-rollout is starting and has not synced its caches yet; retry shortly",
            },
          };
  const caches = createCaches(client, Number(opts.resync), (err) =>
    log.warn({ err }, "watch failed, retrying"),
  );
  const rotation = new CertRotation({
    store,
    identity,
    lifetimes: lifetimesFromFlags(opts.webhookCertLifetime, opts.webhookCaLifetime),
    serve: (cert) => server?.setCertificate(cert),
    publish: async (pem) => {
      const caBundle = Buffer.from(pem).toString("base64");
      if (url) {
        await applyWebhookConfigurations(client, endpoint, caBundle);
        await applyConversionWebhook(client, endpoint, caBundle);
      } else {
        await publishCaBundle(
          client,
          {
            mutatingWebhookConfigurations: [mutatingConfigName],
            validatingWebhookConfigurations: [validatingConfigName],
            customResourceDefinitions: convertedCrds,
          },
          pem,
        );
      }
    },
    onError: (err) => log.error({ err }, "webhook certificates"),
  });
  const certs = await rotation.ensure();
  server = new WebhookServer({
    cert: { certPem: certs.certPem, keyPem: certs.keyPem },
    port,
    host: url ? new URL(url).hostname : (opts.webhookHost as string),
    onError: (err, path) => log.error({ err, path }, "webhook handler failed"),
    onServed: recordWebhook(metrics, ["/mutate-workload", "/validate-rollout", "/convert"]),
  })
    .admission("/mutate-workload", untilSynced(workloadHoldHandler(caches, admissionClient)))
    .admission("/validate-rollout", untilSynced(rolloutValidationHandler(caches)))
    .conversion("/convert", conversionHandler);
  await server.listen();
  rotation.start();

  const vm = await createLuaVm();
  const traffic = trafficSource(client, namespace, vm);
  const legacyBatchLabels = opts.legacyBatchLabels !== false;
  // Measurements run beside the queue; a finished one brings its Rollout back to the queue.
  const measurements = new MeasurementRunner({
    concurrency: Number(opts.analysisConcurrency),
    onDone: (key) => rolloutQueue.add(key),
  });
  const rolloutQueue = new WorkQueue({
    reconcile: instrumentReconcile(
      metrics,
      "rollout",
      rolloutReconciler({
        client,
        caches,
        events,
        log,
        traffic,
        analysis: analysisSource(client, caches, measurements),
        onPlanned: rolloutTransitions(metrics),
      }),
    ),
    workers: Number(opts.rolloutWorkers),
    onDequeue: (_key, ms) => metrics.queueLatency.observe({ name: "rollout" }, ms / 1000),
    onError: (key, err) =>
      log.warn({ rollout: key, err: (err as Error).message }, "rollout reconcile failed, retrying"),
  });
  const releaseQueue = new WorkQueue({
    reconcile: instrumentReconcile(
      metrics,
      "batchrelease",
      releaseReconciler({ client, caches, events, log, legacyBatchLabels }),
    ),
    workers: Number(opts.batchreleaseWorkers),
    onDequeue: (_key, ms) => metrics.queueLatency.observe({ name: "batchrelease" }, ms / 1000),
    onError: (key, err) =>
      log.warn({ batchRelease: key, err: (err as Error).message }, "batchrelease reconcile failed, retrying"),
  });
  const trafficRoutingQueue = new WorkQueue({
    reconcile: instrumentReconcile(
      metrics,
      "trafficrouting",
      trafficRoutingReconciler({ client, caches, events, log, vm, configNamespace: namespace }),
    ),
    workers: Number(opts.trafficroutingWorkers),
    onDequeue: (_key, ms) => metrics.queueLatency.observe({ name: "trafficrouting" }, ms / 1000),
    onError: (key, err) =>
      log.warn(
        { trafficRouting: key, err: (err as Error).message },
        "trafficrouting reconcile failed, retrying",
      ),
  });
  const nativeDaemonSetQueue = new WorkQueue({
    reconcile: nativeDaemonSetReconciler({ client, caches, events, log }),
    workers: Number(opts.nativedaemonsetWorkers),
    onError: (key, err) =>
      log.warn(
        { daemonSet: key, err: (err as Error).message },
        "native daemonset reconcile failed, retrying",
      ),
  });
  wireEvents(caches, rolloutQueue, releaseQueue, trafficRoutingQueue);
  wireNativeDaemonSetEvents(caches, nativeDaemonSetQueue);
  metrics.sources.queues.set("rollout", rolloutQueue).set("batchrelease", releaseQueue);
  metrics.sources.rollouts = () => caches.rollouts.cache.list();

  const startCaches_ = startCaches(caches).then(() => {
    synced = true;
    log.info("caches synced");
  });
  const [host, probePort] = (opts.healthProbeBindAddress as string).split(/:(?=\d+$)/);
  const health = createServer(probeHandler(metrics.registry, () => synced)).listen(
    Number(probePort),
    host || "0.0.0.0",
  );

  const startWork = async () => {
    await startCaches_;
    rolloutQueue.start();
    nativeDaemonSetQueue.start();
    releaseQueue.start();
    trafficRoutingQueue.start();
    log.info("reconciling");
  };
  const elector = runtime.leaderElect
    ? new LeaderElector({
        client,
        namespace: runtime.leaderElectionNamespace,
        name: runtime.leaderElectionId,
        identity: `${hostname()}_${process.pid}`,
        timing: runtime.leaderElection,
        onStartedLeading: () => {
          log.info("became leader");
          void startWork();
        },
        onStoppedLeading: () => {
          log.warn("lost leadership, exiting");
          process.exit(1);
        },
        onError: (err) => log.warn({ err }, "leader election"),
      })
    : undefined;
  if (elector) void elector.run();
  else await startWork();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    // A reconcile stuck on a slow request must not keep a stopping process alive forever.
    setTimeout(() => {
      log.warn("shutdown did not finish within 30 s; exiting");
      process.exit(0);
    }, 30_000).unref();
    await Promise.allSettled([
      rolloutQueue.shutdown(),
      releaseQueue.shutdown(),
      trafficRoutingQueue.shutdown(),
      nativeDaemonSetQueue.shutdown(),
    ]);
    await elector?.stop();
    rotation.stop();
    await Promise.allSettled([stopCaches(caches), server?.close()]);
    health.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: Error) => {
  console.error(`kruise-rollout: ${err.message}`);
  process.exit(1);
});
