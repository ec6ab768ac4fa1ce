import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubeCluster } from "../../src/cli/cluster.js";
import { type CliDeps, run } from "../../src/cli/program.js";
import { createKubeClient } from "../../src/kube/client.js";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { readRollout, rolloutFor, waitForPhase } from "./support/rollouts.js";
import {
  Api,
  createEchoserver,
  oneFixture,
  revisionOf,
  setImage as setDeploymentImage,
  v1Image,
  v2Image,
} from "./support/traffic.js";
import { imageOf, isPodReady, statefulSet } from "./support/workloads.js";

// Issue 8 acceptance: every CLI command against a live 3-step rollout of a StatefulSet, a
// `status` snapshot at every step, `wait` reaching and timing out, and the controller's
// /metrics scraped mid-release.

const R = 4;
const steps = [{ replicas: 1 }, { replicas: "50%" }, { replicas: "100%" }];
const healthPort = Number(process.env.KRT_TEST_PORT_BASE ?? 17443) + 11;
const repoRoot = join(import.meta.dirname, "..", "..");

let cluster: TestCluster;
let ns: string;

interface Result {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with captured output, as a user with the test kubeconfig would. */
async function cli(...args: string[]): Promise<Result> {
  return cliAs(inject("kubeconfig"), ...args);
}

async function cliAs(kubeconfig: string, ...args: string[]): Promise<Result> {
  return cliIn(ns, kubeconfig, ...args);
}

async function cliIn(namespace: string, kubeconfig: string, ...args: string[]): Promise<Result> {
  let out = "";
  let err = "";
  const stream = (append: (s: string) => void) =>
    ({
      write: (s: string) => {
        append(s);
        return true;
      },
      isTTY: false,
    }) as unknown as NodeJS.WriteStream;
  const deps: CliDeps = {
    stdout: stream((s) => (out += s)),
    stderr: stream((s) => (err += s)),
    env: { NO_COLOR: "1" },
    connect: (o) =>
      kubeCluster(createKubeClient({ kubeconfig, qps: 100, burst: 200 }), o.namespace ?? "default"),
  };
  const code = await run(["node", "kruise-rollout", ...args, "-n", namespace], deps);
  return { code, out, err };
}

/** Hides what differs between runs: the namespace and the rollout-id hash. */
function normalise(text: string): string {
  return text.replaceAll(ns, "<ns>").replace(/(Rollout ID: +)\S+/, "$1<id>");
}

async function setImage(image: string): Promise<void> {
  await cluster.apps.patchNamespacedStatefulSet(
    {
      namespace: ns,
      name: "web",
      body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: image }],
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
  );
}

async function stsImage(): Promise<string | undefined> {
  const s = await cluster.apps.readNamespacedStatefulSet({ namespace: ns, name: "web" });
  return s.spec?.template.spec?.containers[0]?.image;
}

async function scrape(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
}

/** The value of the first sample of `family` whose labels include every given pair. */
function sample(text: string, family: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${family}{`) && !line.startsWith(`${family} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

beforeAll(async () => {
  cluster = connect();
  ns = await createNamespace(cluster, "cli");
  await cluster.apps.createNamespacedStatefulSet({
    namespace: ns,
    body: statefulSet(ns, "web", R, "echo:v1"),
  });
  await eventually("v1 Ready", async () => {
    const pods = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" })).items;
    return pods.filter(isPodReady).length === R;
  });
  await cluster.objects.create(
    rolloutFor(ns, "web", { apiVersion: "apps/v1", kind: "StatefulSet", name: "web" }, { steps }),
  );
  await waitForPhase(cluster, ns, "web", "Healthy");
});

afterAll(async () => {
  await deleteNamespace(cluster, ns);
});

describe("kruise-rollout CLI on a live rollout", () => {
  it("reports unknown rollouts, wrong states and bad arguments with their own exit codes", async () => {
    const missing = await cli("status", "nope");
    expect(missing.code).toBe(3);
    expect(missing.err).toContain('rollouts.rollouts.kruise.io "nope" not found');

    const notPaused = await cli("approve", "web");
    expect(notPaused.code).toBe(4);
    expect(notPaused.err).toBe(
      `error: rollouts.rollouts.kruise.io "web" does not allow to approve, because current canary state is not 'StepPaused'\n`,
    );
    expect((await cli("resume", "web")).code).toBe(4);
    expect((await cli("abort", "web")).code).toBe(4);
    expect((await cli("wait", "web", "--for=step=x")).code).toBe(2);
    expect((await cli("frobnicate")).code).toBe(2);

    const list = await cli("list");
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^NAME +PHASE +STEP +STATE +MESSAGE\nweb +Healthy +3\/3 +Completed /);
  });

  it("refuses with exit code 5 when the credentials have no access", async () => {
    const core = cluster.core;
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "nobody" } } });
    const token = await core.createNamespacedServiceAccountToken({
      namespace: ns,
      name: "nobody",
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const kc = cluster.kc;
    const current = kc.getCurrentCluster();
    const config = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "c", cluster: { server: current?.server, "certificate-authority-data": current?.caData } },
      ],
      users: [{ name: "nobody", user: { token: token.status?.token } }],
      contexts: [{ name: "nobody", context: { cluster: "c", user: "nobody", namespace: ns } }],
      "current-context": "nobody",
    };
    const file = join(mkdtempSync(join(tmpdir(), "krt-cli-")), "kubeconfig.json");
    writeFileSync(file, JSON.stringify(config));
    const denied = await cliAs(file, "status", "web");
    expect(denied.code).toBe(5);
    expect(denied.err).toContain("Error from server (Forbidden)");
  });

  it("walks a 3-step release: status at every step, pause/resume, retry, approve, wait, promote, history", async () => {
    const initial = await cli("status", "web");
    expect(initial.code).toBe(0);
    expect(normalise(initial.out)).toMatchInlineSnapshot(`
      "Name:       web
      Namespace:  <ns>
      Workload:   StatefulSet/web (partition, 4 replicas)
      Phase:      Healthy
      Step:       3/3 Completed
      Traffic:    -
      Message:    workload deployment is completed
      Rollout ID: <id>

      Steps
           STEP  REPLICAS  TRAFFIC                   PAUSE   STATE
        ✓  1     1         -                         manual  done
        ✓  2     50%       -                         manual  done
        ✓  3     100%      -                         -       done

      Pods
        old  ░░░░░░░░░░░░░░░░░░░░  0/0 ready
        new  ████████████████████  4/4 ready  (target 4)

      Batches
        -
      "
    `);

    await setImage("echo:v2");
    expect((await cli("wait", "web", "--for=step=1", "--timeout=90s")).code).toBe(0);
    await eventually("batch 1 labelled", async () =>
      (await cli("status", "web")).out.includes("  1   web-3"),
    );
    const step1 = await cli("status", "web");
    expect(normalise(step1.out)).toMatchInlineSnapshot(`
      "Name:       web
      Namespace:  <ns>
      Workload:   StatefulSet/web (partition, 4 replicas)
      Phase:      Progressing
      Step:       1/3 StepPaused
      Traffic:    -
      Message:    Rollout is in step(1/3), and you need manually confirm to enter the next step
      Rollout ID: <id>

      Steps
           STEP  REPLICAS  TRAFFIC                   PAUSE   STATE
        ▶  1     1         -                         manual  StepPaused
           2     50%       -                         manual
           3     100%      -                         -

      Pods
        old  ███████████████░░░░░  3/3 ready
        new  █████░░░░░░░░░░░░░░░  1/1 ready  (target 1)

      Batches
        1   web-3

      Paused at step 1: waiting for approval.
        continue:  kruise-rollout approve web -n <ns>
      "
    `);

    // Mid-release metrics: phase, step and counts for this rollout.
    const mid = await scrape();
    expect(sample(mid, "kruise_rollout_phase", { namespace: ns, name: "web", phase: "Progressing" })).toBe(1);
    expect(sample(mid, "kruise_rollout_phase", { namespace: ns, name: "web", phase: "Healthy" })).toBe(0);
    expect(sample(mid, "kruise_rollout_step", { namespace: ns, name: "web", state: "StepPaused" })).toBe(1);
    expect(sample(mid, "kruise_rollout_steps_total", { namespace: ns, name: "web" })).toBe(3);
    expect(
      sample(mid, "controller_runtime_reconcile_total", { controller: "rollout", result: "success" }),
    ).toBeGreaterThan(0);
    expect(
      sample(mid, "controller_runtime_reconcile_time_seconds_count", { controller: "batchrelease" }),
    ).toBeGreaterThan(0);
    expect(sample(mid, "workqueue_depth", { name: "rollout" })).toBeGreaterThanOrEqual(0);
    expect(sample(mid, "workqueue_queue_duration_seconds_count", { name: "rollout" })).toBeGreaterThan(0);
    expect(
      sample(mid, "kruise_rollout_api_requests_total", {
        verb: "patch",
        resource: "rollouts/status",
        code: "200",
      }),
    ).toBeGreaterThan(0);
    expect(
      sample(mid, "kruise_rollout_api_request_duration_seconds_count", { verb: "list" }),
    ).toBeGreaterThan(0);
    expect(
      sample(mid, "kruise_rollout_webhook_requests_total", {
        webhook: "/mutate-workload",
        outcome: "allowed",
      }),
    ).toBeGreaterThan(0);
    expect(
      sample(mid, "kruise_rollout_webhook_latency_seconds_count", { webhook: "/mutate-workload" }),
    ).toBeGreaterThan(0);
    expect(sample(mid, "process_cpu_user_seconds_total")).toBeGreaterThan(0);

    // `wait` gives up on a step that is not reached, with its own exit code.
    const early = await cli("wait", "web", "--for=step=2", "--timeout=2s");
    expect(early.code).toBe(6);
    expect(early.err).toContain('timed out after 2s waiting for rollout "web" to reach step 2');

    expect((await cli("pause", "web")).out).toBe("rollout.rollouts.kruise.io/web paused\n");
    const again = await cli("pause", "web");
    expect(again.code).toBe(4);
    expect(again.err).toBe(`error: rollouts.rollouts.kruise.io "web" is already paused\n`);
    await eventually("paused shown", async () =>
      (await cli("status", "web")).out.includes("Paused by spec.strategy.paused."),
    );
    expect((await cli("resume", "web")).out).toBe("rollout.rollouts.kruise.io/web resumed\n");

    expect((await cli("retry", "web")).out).toBe("rollout.rollouts.kruise.io/web retrying step 1\n");
    // The jump is taken once nextStepIndex is back to the natural next step.
    await eventually("retry taken", async () => {
      const sub = (await readRollout(cluster, ns, "web")).status?.canaryStatus as { nextStepIndex?: number };
      return sub?.nextStepIndex === 2;
    });
    expect((await cli("wait", "web", "--for=step=1", "--timeout=60s")).code).toBe(0);

    expect((await cli("approve", "web")).out).toBe("rollout.rollouts.kruise.io/web approved\n");
    expect((await cli("wait", "web", "--for=step=2", "--timeout=90s")).code).toBe(0);
    await eventually("batch 2 labelled", async () =>
      (await cli("status", "web")).out.includes("  2   web-2"),
    );
    const step2 = await cli("status", "web");
    expect(normalise(step2.out)).toMatchInlineSnapshot(`
      "Name:       web
      Namespace:  <ns>
      Workload:   StatefulSet/web (partition, 4 replicas)
      Phase:      Progressing
      Step:       2/3 StepPaused
      Traffic:    -
      Message:    Rollout is in step(2/3), and you need manually confirm to enter the next step
      Rollout ID: <id>

      Steps
           STEP  REPLICAS  TRAFFIC                   PAUSE   STATE
        ✓  1     1         -                         manual  done
        ▶  2     50%       -                         manual  StepPaused
           3     100%      -                         -

      Pods
        old  ██████████░░░░░░░░░░  2/2 ready
        new  ██████████░░░░░░░░░░  2/2 ready  (target 2)

      Batches
        1   web-3
        2   web-2

      Paused at step 2: waiting for approval.
        continue:  kruise-rollout approve web -n <ns>
      "
    `);

    const history = await cli("history", "web");
    expect(history.code).toBe(0);
    expect(history.out).toMatch(
      /Revisions\n +REVISION +HASH +ROLE +IMAGES\n +1 +web-\w+ +stable +echo:v1\n +2 +web-\w+ +canary +echo:v2/,
    );
    expect(history.out).toContain("StepReady");

    // At step 2 of 3, --full approves the pause and the last step (100%) never pauses.
    expect((await cli("promote", "web", "--full")).out).toBe(
      "rollout.rollouts.kruise.io/web promoted (full)\n",
    );
    expect((await cli("wait", "web", "--for=healthy", "--timeout=120s")).code).toBe(0);
    await eventually("every pod on v2", async () => {
      const pods = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" })).items;
      return pods.filter((p) => isPodReady(p) && imageOf(p) === "echo:v2").length === R;
    });
    const done = await cli("status", "web");
    expect(normalise(done.out)).toMatchInlineSnapshot(`
      "Name:       web
      Namespace:  <ns>
      Workload:   StatefulSet/web (partition, 4 replicas)
      Phase:      Healthy
      Step:       3/3 Completed
      Traffic:    -
      Message:    Rollout progressing has been completed
      Rollout ID: <id>

      Steps
           STEP  REPLICAS  TRAFFIC                   PAUSE   STATE
        ✓  1     1         -                         manual  done
        ✓  2     50%       -                         manual  done
        ✓  3     100%      -                         -       done

      Pods
        old  ░░░░░░░░░░░░░░░░░░░░  0/0 ready
        new  ████████████████████  4/4 ready  (target 4)

      Batches
        1   web-3
        2   web-2
        3   web-0, web-1
      "
    `);

    const json = JSON.parse((await cli("status", "web", "-o", "json")).out);
    expect(json).toMatchObject({ name: "web", phase: "Healthy", new: { ready: R, total: R } });

    const after = await scrape();
    expect(sample(after, "kruise_rollout_phase", { namespace: ns, name: "web", phase: "Healthy" })).toBe(1);
    expect(sample(after, "kruise_rollout_step_duration_seconds_count", { step: "1" })).toBeGreaterThan(0);
  });

  it("aborts back to the stable revision, and undoes to the previous one", async () => {
    await setImage("echo:v3");
    expect((await cli("wait", "web", "--for=step=1", "--timeout=90s")).code).toBe(0);

    const aborted = await cli("abort", "web");
    expect(aborted.code).toBe(0);
    expect(aborted.out).toMatch(
      /^rollout.rollouts.kruise.io\/web aborted: StatefulSet\/web rolled back to revision \d+ \(web-\w+\)\n$/,
    );
    expect(await stsImage()).toBe("echo:v2");
    // The release is canceled, so waiting for it to finish fails fast instead of timing out.
    const canceled = await cli("wait", "web", "--for=step=3", "--timeout=120s");
    expect(canceled.code).toBe(4);
    expect(canceled.err).toContain("the release was canceled");
    expect((await readRollout(cluster, ns, "web")).status?.phase).toBe("Healthy");

    // The previous revision is now v3: undo releases it again through the rollout.
    expect((await cli("undo", "web")).out).toBe("statefulset.apps/web rolled back\n");
    expect(await stsImage()).toBe("echo:v3");
    expect((await cli("wait", "web", "--for=step=1", "--timeout=90s")).code).toBe(0);
  });

  // Upstream's 4-step blue-green fixture behind nginx.
  it("drives a blue-green release through its blueGreenStatus: status, wait, approve, promote --full", async () => {
    const bgNs = await createNamespace(cluster, "cli-bg");
    try {
      const api = new Api(createKubeClient({ kubeconfig: inject("kubeconfig"), qps: 100, burst: 200 }), bgNs);
      await createEchoserver(api);
      await api.create(oneFixture("rollout/nginx_ingress.yaml"));
      await api.create(oneFixture("rollout/rollout_v1beta1_bluegreen_base.yaml"));
      const bg = (...args: string[]) => cliIn(bgNs, inject("kubeconfig"), ...args);
      expect((await bg("wait", "rollouts-demo", "--for=healthy", "--timeout=120s")).code).toBe(0);
      await setDeploymentImage(api, "echoserver", v2Image);

      expect((await bg("wait", "rollouts-demo", "--for=step=1", "--timeout=180s")).code).toBe(0);
      const view = JSON.parse((await bg("status", "rollouts-demo", "-o", "json")).out);
      expect(view).toMatchObject({
        style: "blue-green",
        phase: "Progressing",
        step: { current: 1, total: 4, state: "StepPaused" },
        stableRevision: await revisionOf(api, v1Image),
        waiting: { reason: "approval", command: "approve", step: 1 },
      });
      expect(view.canaryRevision).not.toBe("");
      expect((await bg("list")).out).toMatch(/rollouts-demo +Progressing +1\/4 +StepPaused /);

      const approved = await bg("approve", "rollouts-demo");
      expect(approved).toMatchObject({ code: 0, out: "rollout.rollouts.kruise.io/rollouts-demo approved\n" });
      expect((await bg("wait", "rollouts-demo", "--for=step=2", "--timeout=180s")).code).toBe(0);
      expect((await bg("promote", "rollouts-demo", "--full")).code).toBe(0);
      // Blue-green pauses on its last step too, before finalising.
      expect((await bg("wait", "rollouts-demo", "--for=step=4", "--timeout=180s")).code).toBe(0);
      expect((await bg("approve", "rollouts-demo")).code).toBe(0);
      expect((await bg("wait", "rollouts-demo", "--for=healthy", "--timeout=240s")).code).toBe(0);
      const done = JSON.parse((await bg("status", "rollouts-demo", "-o", "json")).out);
      expect(done).toMatchObject({ phase: "Healthy", step: { current: 4, total: 4, state: "Completed" } });
    } finally {
      await deleteNamespace(cluster, bgNs);
    }
  }, 600_000);

  it("runs as a program and as the kubectl plugin, with the same exit codes", async () => {
    const exec = promisify(execFile);
    const entry = join(repoRoot, "src", "cli", "main.ts");
    const args = ["--import", "tsx", entry, "list", "-n", ns, "--kubeconfig", inject("kubeconfig")];
    const { stdout } = await exec(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(stdout).toMatch(/^NAME +PHASE/);
    const failed = await exec(
      process.execPath,
      ["--import", "tsx", entry, "status", "nope", "-n", ns, "--kubeconfig", inject("kubeconfig")],
      {
        cwd: repoRoot,
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(3);
  });
});
