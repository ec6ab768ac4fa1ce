#!/usr/bin/env node
// Entry point of `kruise-rollout` and of the kubectl plugin `kubectl-kruise_rollout`.
import { createKubeClient } from "../kube/client.js";
import { kubeCluster } from "./cluster.js";
import { run } from "./program.js";

const interrupted = new AbortController();
process.once("SIGINT", () => interrupted.abort());

process.exitCode = await run(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: interrupted.signal,
  connect: (options) => {
    const client = createKubeClient({
      ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
      ...(options.context ? { context: options.context } : {}),
      // A person's command may burst (status reads three objects a second); the API server's
      // own priority and fairness protects it, not a client-side limit tuned for a controller.
      qps: 50,
      burst: 100,
    });
    return kubeCluster(client, options.namespace ?? client.namespace);
  },
});
