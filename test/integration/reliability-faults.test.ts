import { readFileSync } from "node:fs";
import * as k8s from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { restartComponent } from "../../src/devcluster/cluster.js";
import type { RunningController } from "../../src/devcluster/controller.js";
import { isAlreadyExists } from "../../src/kube/api-error.js";
import { createNamespace, deleteNamespace, eventually } from "./support/cluster.js";
import {
  type FaultCluster,
  faultCluster,
  printLogsOnFailure,
  serviceAccountKubeconfig,
  sleep,
} from "./support/faults.js";
import { approve, readRollout, rolloutFor } from "./support/rollouts.js";
import { deployment, imageOf, isPodReady } from "./support/workloads.js";

// Issue 11: the controller and the apiserver fail under a rollout in flight.
//  * webhook down: with the controller stopped, an update to a governed workload is refused with
//    a clear message (the hold fails closed) and no pod is replaced;
//  * apiserver restart mid-rollout: the watches recover, no event is lost, the rollout completes;
//  * leader failover: two controllers with --leader-elect, the leader is killed mid-rollout, the
//    other takes over within the lease duration and completes the rollout.

let fc: FaultCluster;
const namespaces: string[] = [];
const report: string[] = [];

beforeAll(async () => {
  fc = await faultCluster("faults", 1);
}, 600_000);

printLogsOnFailure(() => fc);

afterEach(async () => {
  for (const c of fc.controllers) await fc.kill(c);
});

afterAll(async () => {
  for (const line of report) console.log(`[reliability] ${line}`);
  for (const ns of namespaces) await deleteNamespace(fc.cluster, ns).catch(() => undefined);
  await fc?.stop();
}, 300_000);

const R = 4;
const steps = [{ replicas: 1, pause: {} }, { replicas: 2, pause: {} }, { replicas: "100%" }];

async function pods(ns: string): Promise<k8s.V1Pod[]> {
  return (await fc.cluster.core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );
}

async function setImage(ns: string, name: string, image: string): Promise<void> {
  await fc.cluster.apps.patchNamespacedDeployment(
    {
      namespace: ns,
      name,
      body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: image }],
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
  );
}

/** A namespace with Deployment `web` (4 × echo:v1, Ready) governed by a Healthy Rollout `web`. */
async function governed(prefix: string, canaryStyle = true): Promise<string> {
  const ns = await createNamespace(fc.cluster, prefix);
  namespaces.push(ns);
  await fc.cluster.apps.createNamespacedDeployment({
    namespace: ns,
    body: deployment(ns, "web", R, "echo:v1"),
  });
  await eventually("v1 Ready", async () => (await pods(ns)).filter(isPodReady).length === R, 120_000);
  await fc.cluster.objects.create(
    rolloutFor(
      ns,
      "web",
      { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      { steps, enableExtraWorkloadForCanary: canaryStyle },
    ),
  );
  await eventually(
    "Rollout Healthy and the workload labelled",
    async () => {
      const r = await readRollout(fc.cluster, ns, "web");
      const d = await fc.cluster.apps.readNamespacedDeployment({ namespace: ns, name: "web" });
      return r.status?.phase === "Healthy" && d.metadata?.labels?.["rollouts.kruise.io/workload-type"];
    },
    120_000,
  );
  return ns;
}

async function waitStep(ns: string, step: number, state: string, timeoutMs = 180_000) {
  return eventually(
    `step ${step} ${state}`,
    async () => {
      const status = (await readRollout(fc.cluster, ns, "web")).status;
      const c = status?.canaryStatus;
      if (c?.currentStepIndex === step && c.currentStepState === state) return c;
      // Thrown, not returned, so that a timeout says where the Rollout stood.
      throw new Error(
        `${status?.phase} step ${c?.currentStepIndex} ${c?.currentStepState}: ${status?.message ?? ""}`,
      );
    },
    timeoutMs,
    100,
  );
}

async function waitSucceeded(ns: string, timeoutMs = 240_000) {
  await eventually(
    "rollout succeeded",
    async () => {
      const r = await readRollout(fc.cluster, ns, "web");
      return (
        r.status?.phase === "Healthy" &&
        r.status.conditions?.find((c) => c.type === "Succeeded")?.status === "True" &&
        r.status.canaryStatus?.finalisingStep === "END"
      );
    },
    timeoutMs,
  );
  await eventually(
    "every pod on v2, nothing left behind",
    async () => {
      const list = await pods(ns);
      const d = await fc.cluster.apps.readNamespacedDeployment({ namespace: ns, name: "web" });
      const deployments = await fc.cluster.apps.listNamespacedDeployment({ namespace: ns });
      const brs = (await fc.cluster.objects.list("rollouts.kruise.io/v1beta1", "BatchRelease", ns)).items;
      return (
        list.length === R &&
        list.every((p) => isPodReady(p) && imageOf(p) === "echo:v2") &&
        !d.spec?.paused &&
        deployments.items.length === 1 &&
        brs.length === 0
      );
    },
    120_000,
  );
}

describe("webhook down", () => {
  it("refuses an update of a governed workload with a clear message, and replaces no pod", {
    timeout: 900_000,
  }, async () => {
    const controller = await fc.startController();
    const ns = await governed("hook");
    const other = "free";
    await fc.cluster.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, other, 1, "echo:v1"),
    });
    const before = (await pods(ns)).map((p) => p.metadata?.uid).sort();

    await controller.stop();
    let message = "";
    try {
      await setImage(ns, "web", "echo:v2");
    } catch (error) {
      message = String((error as { body?: string }).body ?? (error as Error).message);
    }
    expect(message).toMatch(
      /failed calling webhook "[^"]*deployment[^"]*kruise[^"]*"|failed calling webhook/,
    );
    expect(message).toContain("connection refused");
    const d = await fc.cluster.apps.readNamespacedDeployment({ namespace: ns, name: "web" });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe("echo:v1");
    await sleep(5000);
    expect((await pods(ns)).map((p) => p.metadata?.uid).sort()).toEqual(before);
    // A workload without a Rollout is outside the webhook's objectSelector: not affected.
    await setImage(ns, other, "echo:v2");
    report.push(`webhook down: governed update refused with: ${JSON.parse(message).message ?? message}`);

    // Back up: the same update is admitted and held for the Rollout (no pod replaced yet).
    await fc.startController();
    await eventually("update admitted once the controller is back", async () => {
      await setImage(ns, "web", "echo:v2");
      return true;
    });
    await waitStep(ns, 1, "StepPaused");
    expect((await pods(ns)).filter((p) => imageOf(p) === "echo:v1" && isPodReady(p))).toHaveLength(R);
  });
});

describe("apiserver restart", () => {
  it("recovers the watches, loses no event, and completes the rollout", { timeout: 900_000 }, async () => {
    const controller = await fc.startController();
    const ns = await governed("apisrv");
    await setImage(ns, "web", "echo:v2");
    await waitStep(ns, 1, "StepPaused");
    // The approval goes in, and the apiserver goes down right behind it: the controller may or
    // may not have seen the event before its watches broke. A re-list must cover the gap.
    await approve(fc.cluster, ns, "web");
    const t0 = Date.now();
    await restartComponent("kube-apiserver", fc.opts);
    const restartedIn = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    await waitStep(ns, 2, "StepPaused");
    const recoveredIn = (Date.now() - t1) / 1000;
    // An event written after the restart arrives through the re-established watches.
    const t2 = Date.now();
    await approve(fc.cluster, ns, "web");
    await waitSucceeded(ns);
    const afterIn = (Date.now() - t2) / 1000;
    expect(controller.child.exitCode).toBeNull();
    report.push(
      `apiserver restart: down and back in ${restartedIn.toFixed(1)} s; the approval sent just before ` +
        `reached step 2 ${recoveredIn.toFixed(1)} s after; the next approval completed the rollout in ` +
        `${afterIn.toFixed(1)} s; 0 approvals re-sent, the controller kept running`,
    );
  });
});

interface LeaseView {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

const leaseArgs = [
  "--leader-elect",
  "--leader-elect-lease-duration=6s",
  "--leader-elect-renew-deadline=4s",
  "--leader-elect-retry-period=1s",
];
const lease = async () =>
  fc.raw
    .request<LeaseView>({
      method: "GET",
      path: "/apis/coordination.k8s.io/v1/namespaces/kruise-rollout/leases/71ddec2c.kruise.io",
    })
    .catch(() => undefined);
const holderPid = (l: LeaseView | undefined) => Number(l?.spec?.holderIdentity?.split("_").at(-1));

describe("leader failover", () => {
  it("the standby takes over within the lease duration and completes the rollout", {
    timeout: 900_000,
  }, async () => {
    // The first starts and leads; the second starts after it, so the webhooks point at the second.
    const a = await fc.startController(leaseArgs);
    await eventually("a leader", async () => holderPid(await lease()) === a.child.pid, 60_000);
    const b = await fc.startController(leaseArgs);
    const byPid = new Map<number, RunningController>([
      [a.child.pid ?? 0, a],
      [b.child.pid ?? 0, b],
    ]);

    const ns = await governed("leader");
    await setImage(ns, "web", "echo:v2");
    await waitStep(ns, 1, "StepPaused");
    const leaderPid = holderPid(await lease());
    const leader = byPid.get(leaderPid);
    const standby = leader === a ? b : a;
    expect(leader).toBeDefined();
    // Both replicas alive: the one that leads and the one that stands by.
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
    // Mid-rollout: approve, then kill the leader while it moves to step 2.
    await approve(fc.cluster, ns, "web");
    await sleep(300);
    const killedAt = Date.now();
    await fc.kill(leader as RunningController);
    const taken = await eventually(
      "the standby holds the lease",
      async () => {
        const l = await lease();
        return holderPid(l) === standby.child.pid ? l : undefined;
      },
      60_000,
      50,
    );
    const takeover = (Date.now() - killedAt) / 1000;
    await waitStep(ns, 2, "StepPaused");
    const stepAfter = (Date.now() - killedAt) / 1000;
    await approve(fc.cluster, ns, "web");
    await waitSucceeded(ns);
    report.push(
      `leader failover: lease 6 s / renew 4 s / retry 1 s; the standby held the lease ${takeover.toFixed(1)} s ` +
        `after kill -9 of the leader (transitions ${taken.spec?.leaseTransitions ?? "?"}); step 2 reached ` +
        `${stepAfter.toFixed(1)} s after the kill; the rollout completed`,
    );
    // The standby counts the lease duration from when it first saw the leader's last renewal,
    // and polls every retry period stretched by client-go's jitter (1 s × (1 + 1.2·rand), so up
    // to 2.2 s). At worst it sees that renewal one poll late and takes over one poll after
    // expiry: lease duration + 2 × 2.2 s, plus a second of slack for a loaded machine.
    expect(takeover).toBeLessThan(6 + 2 * (1 + 1.2) * 1 + 1);
  });
});

/**
 * A kubeconfig for a ServiceAccount that may do anything the controller does except watch
 * Rollouts: a controller running as it lists them once at start, and its Rollout cache then
 * stays as that list left it, as a lagging replica's would.
 */
async function blindToNewRollouts(): Promise<string> {
  const name = "lagging";
  const create = (path: string, body: object) =>
    fc.raw.request({ method: "POST", path, body }).catch((error: unknown) => {
      if (!isAlreadyExists(error)) throw error;
    });
  await create("/api/v1/namespaces/kruise-rollout/serviceaccounts", { metadata: { name } });
  await create("/apis/rbac.authorization.k8s.io/v1/clusterroles", {
    metadata: { name },
    rules: [
      {
        apiGroups: ["*"],
        resources: ["*"],
        verbs: ["get", "list", "create", "update", "patch", "delete", "deletecollection"],
      },
      {
        apiGroups: [
          "",
          "apps",
          "apps.kruise.io",
          "coordination.k8s.io",
          "networking.k8s.io",
          "gateway.networking.k8s.io",
          "networking.istio.io",
        ],
        resources: ["*"],
        verbs: ["watch"],
      },
      {
        apiGroups: ["rollouts.kruise.io"],
        resources: ["batchreleases", "trafficroutings", "analysistemplates", "clusteranalysistemplates"],
        verbs: ["watch"],
      },
    ],
  });
  await create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", namespace: "kruise-rollout", name }],
  });
  return serviceAccountKubeconfig(fc, name);
}

describe("a replica whose cache lags", () => {
  it("holds an update for a Rollout its cache has not seen, reading the Rollouts afresh", {
    timeout: 900_000,
  }, async () => {
    const kubeconfig = await blindToNewRollouts();
    const a = await fc.startController(leaseArgs);
    await eventually("a leader", async () => holderPid(await lease()) === a.child.pid, 60_000);
    // Started second, the blind one serves the webhooks; the first leads and reconciles.
    const blind = await fc.startController(leaseArgs, kubeconfig);
    const ns = await governed("lag");
    await setImage(ns, "web", "echo:v2");
    await waitStep(ns, 1, "StepPaused");
    const held = await fc.cluster.apps.readNamespacedDeployment({ namespace: ns, name: "web" });
    expect(held.metadata?.annotations?.["rollouts.kruise.io/in-progressing"]).toContain(
      '"rolloutName":"web"',
    );
    // Held: the Deployment's own controller replaced no pod.
    expect((await pods(ns)).filter((p) => imageOf(p) === "echo:v1" && isPodReady(p)).length).toBe(R);
    expect(holderPid(await lease())).toBe(a.child.pid);
    // Its cache could not have seen the Rollout: every watch of Rollouts was refused.
    expect(readFileSync(blind.logFile, "utf8")).toMatch(/cannot watch resource .{0,2}rollouts/);
    report.push(
      "lagging replica: a webhook-serving replica that never saw the Rollout (its watch refused) held " +
        "the update after a fresh read; the release paused at step 1 with every v1 pod still serving",
    );
  });
});
