// Issue 4's scenarios on the real control plane: changes in mid-flight (rollback, a new
// revision, deletion), a second release with a new rolloutID, the seed's StatefulSet
// example, upstream e2e parity and the real `kubectl-kruise rollout approve`.
//
// Upstream e2e scenarios (spec §8) mirrored here, with fixtures read from
// ../shared/upstream-e2e-data:
// - rollout_test.go "Deployment canary rollout with Ingress":
//     "V1->V2: Percentage 20%,60% Succeeded"               (rollout/{deployment,service,nginx_ingress,rollout_canary_base}.yaml)
//     "V1->V2: Percentage 20%,40%, paused and resume"       (same fixtures)
//     "V1->V2: Percentage 20%, and rollback-v1"             (as the generic rollback scenario, canary-style Deployment)
//     "V1->V2: Percentage 20%,40% and continuous release v3" (as the generic new-revision scenario)
//     "V1->V2: Percentage 20%,40%, but delete rollout crd"   (as the generic deletion scenario)
// - rollout_v1beta1_test.go "Step Jump":
//     "V1->V2: Deployment, Canary, patch nextStepIndex to jump"    (rollout/rollout_v1beta1_canary_base.yaml)
//     "V1->V2: Deployment, Partition, patch nextStepIndex to jump" (rollout/rollout_v1beta1_partition_base.yaml)
// - rollout_v1beta1_test.go "Native StatefulSet rollout canary with Ingress":
//     "V1->V2: Percentage, 20%,60% Succeeded"               (rollout/{native_statefulset,headless_service,service,nginx_ingress,rollout_canary_base}.yaml;
//                                                            the 60% step without traffic, which partition validation requires)
//     "V1->V2: Percentage, 20%, and rollback(v1)"           (as the generic rollback scenario, StatefulSet)
//     "V1->V2: Percentage, 20%,40% and continuous release v3" (as the generic new-revision scenario, StatefulSet at step 2)
// - rollout_v1beta1_test.go "advanced deployment rollback / continuous rolling / delete rollout case"
//     (as the generic scenarios, partition-style Deployment, without traffic)
// - rollout_v1beta1_test.go "Others" ("patch batch id to pods", CloneSet there): the idea, not the
//     fixture — the second-release scenario checks rollout-id and batch labels per release.
// Not mirrored: CloneSet, Advanced StatefulSet, DaemonSet, blue-green, A/B, Gateway API, custom
// providers, scaling, failure threshold, disabling (other kinds or other issues).

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  repoRoot,
  type TestCluster,
} from "./support/cluster.js";
import { approve, readRollout, rolloutFor, waitForPhase, waitForStep } from "./support/rollouts.js";
import {
  batchesOf,
  batchLabel,
  createWorkload,
  eventReasons,
  expectReleased,
  idLabel,
  jumpTo,
  legacyBatchLabel,
  listBatchReleases,
  livePods,
  patchRolloutSpec,
  podsAt,
  readWorkload,
  recordReasons,
  rolloutGone,
  type Style,
  type Subject,
  setContainerName,
  styleNames,
  updateWorkload,
  upstreamFixture,
  waitForPods,
  workloadRef,
} from "./support/scenarios.js";
import { imageOf, isPodReady } from "./support/workloads.js";

const exec = promisify(execFile);
const R = 4;
const v1 = "echo:v1";
const v2 = "echo:v2";
const v3 = "echo:v3";
// Two manual pauses, then 100% (which never pauses).
const steps = [{ replicas: 1 }, { replicas: "50%", pause: {} }, { replicas: "100%" }];
const slow = 300_000;

let cluster: TestCluster;
const namespaces: string[] = [];

beforeAll(() => {
  cluster = connect();
});
afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
});

async function subject(style: Style, prefix: string, replicas = R, name = "web"): Promise<Subject> {
  const ns = await createNamespace(cluster, `${prefix}-${style}`);
  namespaces.push(ns);
  return { cluster, ns, style, name, replicas, selector: `app=${name}` };
}

/** A workload on v1 with its Rollout Healthy. */
async function started(style: Style, prefix: string): Promise<Subject> {
  const s = await subject(style, prefix);
  await createWorkload(s, v1);
  await waitForPods(s, { [v1]: R });
  await cluster.objects.create(
    rolloutFor(s.ns, s.name, workloadRef(s), { steps, enableExtraWorkloadForCanary: style === "canary" }),
  );
  await waitForPhase(cluster, s.ns, s.name, "Healthy");
  return s;
}

/** Starts v2 and waits at step 1 (paused) with its single new pod Ready. */
async function atStep1(s: Subject, image = v2, labels: Record<string, string> = {}, oldImage = v1) {
  await updateWorkload(s, image, labels);
  const r = await waitForStep(cluster, s.ns, s.name, 1, "StepPaused");
  const pods = await waitForPods(s, podsAt(s, oldImage, image, 1));
  return { rollout: r, pods };
}

function progressing(r: { status?: { conditions?: { type: string; status: string; reason?: string }[] } }) {
  return r.status?.conditions?.find((c) => c.type === "Progressing");
}

const canaryDeployments = async (ns: string, name: string) =>
  (await cluster.apps.listNamespacedDeployment({ namespace: ns })).items.filter(
    (d) => d.metadata?.labels?.["rollouts.kruise.io/canary-deployment"] === name,
  );

const allStyles = (["sts", "canary", "partition"] as Style[]).map((style) => ({
  style,
  name: styleNames[style],
}));

// Every scenario works in a namespace of its own, so they run side by side.
describe.concurrent("engine scenarios", () => {
  describe("rollback in mid-flight", () => {
    it.each(allStyles)(
      "$name: template reverted at step 1 → Cancelling → Healthy on v1",
      async ({ style }) => {
        const s = await started(style, "rollback");
        await atStep1(s);
        const rec = recordReasons(cluster, s.ns, s.name);
        await updateWorkload(s, v1);
        const done = await eventually(
          "rollout canceled and Healthy",
          async () => {
            const r = await readRollout(cluster, s.ns, s.name);
            return r.status?.phase === "Healthy" && progressing(r)?.reason === "Completed" ? r : undefined;
          },
          120_000,
        );
        const { reasons } = await rec.stop();
        expect(reasons.slice(reasons.indexOf("InRolling"))).toEqual(["InRolling", "Cancelling", "Completed"]);
        expect(progressing(done)?.status).toBe("False");
        expect(done.status?.message).toBe("Rollout progressing has been canceled");
        const succeeded = done.status?.conditions?.find((c) => c.type === "Succeeded");
        expect(succeeded?.status).toBe("False");
        expect(done.status?.canaryStatus?.finalisingStep).toBe("END");
        expect(await eventReasons(cluster, s.ns, s.name)).toContain(
          "Rollback: workload has been rollback, then rollout is canceled",
        );
        // Every pod back on v1, the v2 pod gone.
        await waitForPods(s, { [v1]: R });
        await expectReleased(s);
        // And it stays that way: the native controller does not roll anything.
        await new Promise((r) => setTimeout(r, 2000));
        await waitForPods(s, { [v1]: R }, 1000);
        expect((await readRollout(cluster, s.ns, s.name)).status?.phase).toBe("Healthy");
      },
      slow,
    );
  });

  describe("a new revision in mid-flight", () => {
    const cases: { style: Style; at: 1 | 2 }[] = [
      { style: "sts", at: 2 },
      { style: "canary", at: 1 },
      { style: "partition", at: 1 },
    ];
    it.each(cases)(
      "$style: v3 arrives at step $at → restarts at step 1 for v3, completes on v3",
      async ({ style, at }) => {
        const s = await started(style, "newrev");
        const first = await atStep1(s);
        const v2Revision = first.rollout.status?.canaryStatus;
        if (at === 2) {
          await approve(cluster, s.ns, s.name);
          await waitForStep(cluster, s.ns, s.name, 2, "StepPaused");
          await waitForPods(s, podsAt(s, v1, v2, 2));
        }
        const before = await readRollout(cluster, s.ns, s.name);
        const v2Rev = (before.status?.canaryStatus as { canaryRevision?: string } | undefined)
          ?.canaryRevision;
        expect(v2Rev).toBeTruthy();
        expect(v2Revision).toBeDefined();
        const rec = recordReasons(cluster, s.ns, s.name);

        await updateWorkload(s, v3);
        const restarted = await eventually(
          "restarted at step 1 for v3",
          async () => {
            const r = await readRollout(cluster, s.ns, s.name);
            const cs = r.status?.canaryStatus as
              | { canaryRevision?: string; currentStepIndex?: number; currentStepState?: string }
              | undefined;
            return cs?.canaryRevision &&
              cs.canaryRevision !== v2Rev &&
              cs.currentStepIndex === 1 &&
              cs.currentStepState === "StepPaused"
              ? r
              : undefined;
          },
          120_000,
        );
        expect(restarted.status?.phase).toBe("Progressing");
        const { reasons } = await rec.stop();
        expect(reasons).toContain("Initializing");
        expect(await eventReasons(cluster, s.ns, s.name)).toContain(
          "ContinuousRelease: workload continuous publishing canaryRevision, then restart publishing",
        );
        // Step 1 of v3: exactly one v3 pod. A StatefulSet keeps the v2 pod that sits below
        // the new partition (upstream behaves the same); canary style replaced its canary.
        const expected: Record<Style, Record<string, number>> = {
          sts: { [v1]: 2, [v2]: 1, [v3]: 1 },
          canary: { [v1]: R, [v3]: 1 },
          partition: { [v1]: R - 1, [v3]: 1 },
        };
        const pods = await waitForPods(s, expected[style]);
        const labels = batchesOf(pods, v3);
        expect(labels.batches).toEqual(["1"]);
        expect(labels.ids).toEqual([restarted.status?.canaryStatus?.observedRolloutID]);
        if (style === "canary") expect(await canaryDeployments(s.ns, s.name)).toHaveLength(1);

        await approve(cluster, s.ns, s.name);
        await waitForStep(cluster, s.ns, s.name, 2, "StepPaused");
        await approve(cluster, s.ns, s.name);
        const done = await waitForPhase(cluster, s.ns, s.name, "Healthy");
        expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
        await waitForPods(s, { [v3]: R });
        await expectReleased(s);
      },
      slow,
    );
  });

  describe("deletion in mid-flight", () => {
    it.each(allStyles)(
      "$name: Rollout deleted at step 1 → workload restored, pods roll natively",
      async ({ style }) => {
        const s = await started(style, "delete");
        await atStep1(s);
        const rec = recordReasons(cluster, s.ns, s.name);
        await cluster.objects.delete({
          apiVersion: "rollouts.kruise.io/v1beta1",
          kind: "Rollout",
          metadata: { name: s.name, namespace: s.ns },
        });
        await eventually("Rollout gone", () => rolloutGone(cluster, s.ns, s.name), 120_000);
        const { phases } = await rec.stop();
        expect(phases).toContain("Terminating");
        await expectReleased(s);
        // The native controller finishes the release by itself.
        await waitForPods(s, { [v2]: R });
        const w = await readWorkload(s);
        // Partition style removes the stable-revision label; canary style leaves it, as upstream.
        if (style === "partition")
          expect(w.metadata?.labels?.["rollouts.kruise.io/stable-revision"]).toBeUndefined();
      },
      slow,
    );
  });

  describe("a second release with a new rolloutID", () => {
    it.each(allStyles)(
      "$name: pods of release 2 carry the new id and batch ids",
      async ({ style }) => {
        const s = await started(style, "rid");
        // Release 1, rolloutID r1.
        const one = await atStep1(s, v2, { [idLabel]: "r1" });
        expect(one.rollout.status?.canaryStatus?.observedRolloutID).toBe("r1");
        expect(batchesOf(one.pods, v2)).toEqual({ batches: ["1"], ids: ["r1"] });
        await approve(cluster, s.ns, s.name);
        await waitForStep(cluster, s.ns, s.name, 2, "StepPaused");
        expect(batchesOf(await waitForPods(s, podsAt(s, v1, v2, 2)), v2)).toEqual({
          batches: ["1", "2"],
          ids: ["r1"],
        });
        await approve(cluster, s.ns, s.name);
        await waitForPhase(cluster, s.ns, s.name, "Healthy");
        const after1 = await waitForPods(s, { [v2]: R });
        if (style !== "canary") {
          // The last batch (100%) labels the remaining two pods as batch 3.
          await eventually("release 1 fully labelled", async () => {
            const l = batchesOf(await livePods(s), v2);
            return l.batches.join() === "1,2,3,3" && l.ids.join() === "r1";
          });
        } else {
          // The native controller made the final pods: they belong to no batch.
          expect(after1.every((p) => p.metadata?.labels?.[batchLabel] === undefined)).toBe(true);
        }

        // Release 2, rolloutID r2, with a new template.
        const two = await atStep1(s, v3, { [idLabel]: "r2" }, v2);
        expect(two.rollout.status?.canaryStatus?.observedRolloutID).toBe("r2");
        const expect1: Record<string, number> =
          style === "canary" ? { [v2]: R, [v3]: 1 } : { [v2]: R - 1, [v3]: 1 };
        await waitForPods(s, expect1);
        await eventually("release 2 batch 1 labelled", async () => {
          const l = batchesOf(await livePods(s), v3);
          return l.batches.join() === "1" && l.ids.join() === "r2";
        });
        const br = (await listBatchReleases(cluster, s.ns))[0] as unknown as {
          spec: { releasePlan: { rolloutID: string } };
          status: { observedRolloutID: string };
        };
        expect(br.spec.releasePlan.rolloutID).toBe("r2");
        await approve(cluster, s.ns, s.name);
        await waitForStep(cluster, s.ns, s.name, 2, "StepPaused");
        const at2 = await waitForPods(
          s,
          style === "canary" ? { [v2]: R, [v3]: 2 } : { [v2]: R - 2, [v3]: 2 },
        );
        await eventually("release 2 batch 2 labelled", async () => {
          const l = batchesOf(await livePods(s), v3);
          return l.batches.join() === "1,2" && l.ids.join() === "r2";
        });
        // No pod of release 2 keeps release 1's id.
        expect(at2.filter((p) => imageOf(p) === v3 && p.metadata?.labels?.[idLabel] === "r1")).toEqual([]);
        await approve(cluster, s.ns, s.name);
        await waitForPhase(cluster, s.ns, s.name, "Healthy");
        await waitForPods(s, { [v3]: R });
        if (style !== "canary") {
          await eventually("release 2 fully labelled", async () => {
            const l = batchesOf(await livePods(s), v3);
            return l.batches.join() === "1,2,3,3" && l.ids.join() === "r2";
          });
        }
        const final = await livePods(s);
        expect(final.filter((p) => p.metadata?.labels?.[idLabel] === "r1")).toEqual([]);
        await expectReleased(s);
      },
      slow,
    );
  });

  describe("the seed", () => {
    it(
      "StatefulSet echoserver, 5 replicas, steps 1 (manual), 2 (pause 60 s), 2, as a v1alpha1 Rollout",
      async () => {
        const s = await subject("sts", "seed", 5, "echoserver");
        setContainerName(s, "echoserver");
        const old = "cilium/echoserver:latest";
        const next = "cilium/echoserver:1.10.3";
        await cluster.apps.createNamespacedStatefulSet({
          namespace: s.ns,
          body: {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "echoserver", namespace: s.ns },
            spec: {
              replicas: 5,
              serviceName: "echoserver",
              selector: { matchLabels: { app: "echoserver" } },
              template: {
                metadata: { labels: { app: "echoserver" } },
                spec: { containers: [{ name: "echoserver", image: old }] },
              },
            },
          },
        });
        await waitForPods(s, { [old]: 5 });
        await cluster.objects.create({
          apiVersion: "rollouts.kruise.io/v1alpha1",
          kind: "Rollout",
          metadata: { name: "rollouts-demo", namespace: s.ns },
          spec: {
            objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "echoserver" } },
            strategy: {
              canary: {
                steps: [
                  { replicas: 1, pause: {} },
                  { replicas: 2, pause: { duration: 60 } },
                  { replicas: 2 },
                ],
              },
            },
          },
        } as k8s.KubernetesObject);
        await waitForPhase(cluster, s.ns, "rollouts-demo", "Healthy");
        const partition = async () =>
          (await cluster.apps.readNamespacedStatefulSet({ namespace: s.ns, name: "echoserver" })).spec
            ?.updateStrategy?.rollingUpdate?.partition;
        const newPodNames = (pods: k8s.V1Pod[]) =>
          pods
            .filter((p) => imageOf(p) === next)
            .map((p) => `${p.metadata?.name}=${p.metadata?.labels?.[legacyBatchLabel]}`)
            .sort();

        await updateWorkload(s, next);
        // Step 1: the highest ordinal, batch 1, then a manual pause.
        const r1 = await waitForStep(cluster, s.ns, "rollouts-demo", 1, "StepPaused");
        expect(r1.status?.message).toBe(
          "Rollout is in step(1/3), and you need manually confirm to enter the next step",
        );
        const alpha = await readRollout(cluster, s.ns, "rollouts-demo", "v1alpha1");
        expect(alpha.status?.canaryStatus?.currentStepIndex).toBe(1);
        expect(alpha.status?.canaryStatus?.currentStepState).toBe("StepPaused");
        const p1 = await waitForPods(s, { [old]: 4, [next]: 1 });
        expect(await partition()).toBe(4);
        await eventually("batch 1 label", async () =>
          newPodNames(await livePods(s)).join() === "echoserver-4=1" ? true : undefined,
        );
        expect(p1).toHaveLength(5);

        // Step 2: two new pods, then a 60 s pause, which we jump as upstream e2e does.
        await approve(cluster, s.ns, "rollouts-demo");
        const r2 = await waitForStep(cluster, s.ns, "rollouts-demo", 2, "StepPaused");
        expect(r2.status?.message).toBe(
          "Rollout is in step(2/3), and wait duration(60 seconds) to enter the next step",
        );
        await waitForPods(s, { [old]: 3, [next]: 2 });
        expect(await partition()).toBe(3);
        await eventually("batch 2 label", async () =>
          newPodNames(await livePods(s)).join() === "echoserver-3=2,echoserver-4=1" ? true : undefined,
        );
        // upstream's jump helper with the step that comes next anyway is not a jump (doCanaryJump
        // only acts when nextStepIndex differs from the natural next step): the pause still holds.
        await jumpTo(cluster, s.ns, "rollouts-demo", 3);
        await new Promise((r) => setTimeout(r, 3000));
        const still = await readRollout(cluster, s.ns, "rollouts-demo");
        expect(still.status?.canaryStatus?.currentStepIndex).toBe(2);
        expect(still.status?.canaryStatus?.currentStepState).toBe("StepPaused");
        // So the seed's 60 s pause runs for real, measured from the step's lastUpdateTime.
        const pausedFrom = Date.parse(
          (still.status?.canaryStatus as { lastUpdateTime?: string } | undefined)?.lastUpdateTime ?? "",
        );
        const r3 = await waitForStep(cluster, s.ns, "rollouts-demo", 3, "StepPaused", 120_000);
        const movedAt = Date.parse(
          (r3.status?.canaryStatus as { lastUpdateTime?: string } | undefined)?.lastUpdateTime ?? "",
        );
        expect(movedAt - pausedFrom).toBeGreaterThanOrEqual(60_000);
        expect(movedAt - pausedFrom).toBeLessThan(75_000);
        // Step 3 (2 replicas, not 100%): nothing more to update, and a manual pause.
        expect(r3.status?.message).toBe(
          "Rollout is in step(3/3), and you need manually confirm to enter the next step",
        );
        await waitForPods(s, { [old]: 3, [next]: 2 }, 1000);
        expect(await partition()).toBe(3);

        await approve(cluster, s.ns, "rollouts-demo");
        const done = await waitForPhase(cluster, s.ns, "rollouts-demo", "Healthy");
        expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
        await waitForPods(s, { [next]: 5 });
        expect(await partition()).toBe(0);
        await expectReleased(s);
      },
      slow,
    );
  });

  // ---------------------------------------------------------------------------------------
  // Upstream e2e parity, with upstream's fixtures.

  const nginx = "nginx.ingress.kubernetes.io";

  async function applyFixtures(ns: string, files: string[]): Promise<void> {
    for (const f of files) for (const o of upstreamFixture(f, ns)) await cluster.objects.create(o);
  }

  /** The upstream e2e "v2": same image, env NODE_NAME=version2. */
  async function setNodeName(ns: string, kind: "Deployment" | "StatefulSet", value: string): Promise<void> {
    const body = {
      spec: {
        template: { spec: { containers: [{ name: "echoserver", env: [{ name: "NODE_NAME", value }] }] } },
      },
    };
    const opts = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch);
    if (kind === "Deployment")
      await cluster.apps.patchNamespacedDeployment({ namespace: ns, name: "echoserver", body }, opts);
    else await cluster.apps.patchNamespacedStatefulSet({ namespace: ns, name: "echoserver", body }, opts);
  }

  const nodeNameOf = (p: k8s.V1Pod) =>
    p.spec?.containers[0]?.env?.find((e) => e.name === "NODE_NAME")?.value ?? "";

  async function echoPods(ns: string): Promise<k8s.V1Pod[]> {
    return (
      await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: "app=echoserver" })
    ).items.filter((p) => !p.metadata?.deletionTimestamp);
  }

  async function waitForVersions(ns: string, expected: Record<string, number>): Promise<k8s.V1Pod[]> {
    const want = Object.values(expected).reduce((a, b) => a + b, 0);
    return eventually(
      `pods ${JSON.stringify(expected)}`,
      async () => {
        const pods = await echoPods(ns);
        const ready = pods.filter(isPodReady);
        const ok =
          pods.length === want &&
          Object.entries(expected).every(([v, n]) => ready.filter((p) => nodeNameOf(p) === v).length === n);
        return ok ? pods : undefined;
      },
      90_000,
    );
  }

  async function canaryIngress(ns: string): Promise<k8s.V1Ingress | undefined> {
    const net = cluster.kc.makeApiClient(k8s.NetworkingV1Api);
    return net.readNamespacedIngress({ namespace: ns, name: "echoserver-canary" }).catch(() => undefined);
  }

  async function service(ns: string, name: string): Promise<k8s.V1Service | undefined> {
    return cluster.core.readNamespacedService({ namespace: ns, name }).catch(() => undefined);
  }

  function v1alpha1CanaryRollout(
    ns: string,
    kind: "Deployment" | "StatefulSet",
    weights: (number | [number, number?] | Record<string, unknown>)[],
  ) {
    const [rollout] = upstreamFixture<
      {
        spec: { objectRef: { workloadRef: { kind: string } }; strategy: { canary: { steps: unknown[] } } };
      } & k8s.KubernetesObject
    >("rollout/rollout_canary_base.yaml", ns);
    if (!rollout) throw new Error("fixture missing");
    rollout.spec.objectRef.workloadRef.kind = kind;
    rollout.spec.strategy.canary.steps = weights.map((w) => {
      if (!Array.isArray(w) && typeof w === "object") return w;
      const [weight, duration] = Array.isArray(w) ? w : [w, undefined];
      return { weight, pause: duration === undefined ? {} : { duration } };
    });
    return rollout;
  }

  describe("upstream e2e parity", () => {
    it(
      "Deployment canary rollout with Ingress — V1->V2: Percentage 20%,60% Succeeded",
      async () => {
        const ns = await createNamespace(cluster, "up-2060");
        namespaces.push(ns);
        await cluster.objects.create(v1alpha1CanaryRollout(ns, "Deployment", [20, 60]));
        await applyFixtures(ns, [
          "rollout/service.yaml",
          "rollout/nginx_ingress.yaml",
          "rollout/deployment.yaml",
        ]);
        await waitForVersions(ns, { version1: 5 });
        await waitForPhase(cluster, ns, "rollouts-demo", "Healthy");
        const replicaSets = await cluster.apps.listNamespacedReplicaSet({ namespace: ns });
        expect(replicaSets.items).toHaveLength(1);
        const stableRevision = replicaSets.items[0]?.metadata?.labels?.["pod-template-hash"];
        expect(stableRevision).toBeTruthy();

        await setNodeName(ns, "Deployment", "version2");
        const r1 = await waitForStep(cluster, ns, "rollouts-demo", 1, "StepPaused");
        const d1 = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: "echoserver" });
        expect(d1.spec?.paused).toBe(true);
        expect(d1.status?.updatedReplicas ?? 0).toBe(0);
        const cs1 = r1.status?.canaryStatus as unknown as Record<string, unknown>;
        expect(r1.status?.phase).toBe("Progressing");
        expect(cs1.stableRevision).toBe(stableRevision);
        expect(cs1.canaryReplicas).toBe(1);
        expect(cs1.canaryReadyReplicas).toBe(1);
        const canaryRevision = cs1.podTemplateHash as string;
        expect(canaryRevision).toBeTruthy();
        await waitForVersions(ns, { version1: 5, version2: 1 });
        expect((await service(ns, "echoserver"))?.spec?.selector?.["pod-template-hash"]).toBe(stableRevision);
        expect((await service(ns, "echoserver-canary"))?.spec?.selector?.["pod-template-hash"]).toBe(
          canaryRevision,
        );
        const ing1 = await canaryIngress(ns);
        expect(ing1?.metadata?.annotations?.[`${nginx}/canary`]).toBe("true");
        expect(ing1?.metadata?.annotations?.[`${nginx}/canary-weight`]).toBe("20");

        await approve(cluster, ns, "rollouts-demo");
        await waitForStep(cluster, ns, "rollouts-demo", 2, "StepPaused");
        expect((await canaryIngress(ns))?.metadata?.annotations?.[`${nginx}/canary-weight`]).toBe("60");
        const [canary] = await canaryDeployments(ns, "echoserver");
        expect(canary?.spec?.replicas).toBe(3);
        await eventually("canary Deployment 3 available", async () => {
          const [c] = await canaryDeployments(ns, "echoserver");
          return c?.status?.availableReplicas === 3;
        });

        await approve(cluster, ns, "rollouts-demo");
        const done = await waitForPhase(cluster, ns, "rollouts-demo", "Healthy");
        await waitForVersions(ns, { version2: 5 });
        await eventually(
          "canary Ingress and Service removed",
          async () => !(await canaryIngress(ns)) && !(await service(ns, "echoserver-canary")),
        );
        expect((await service(ns, "echoserver"))?.spec?.selector?.["pod-template-hash"]).toBeUndefined();
        const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: "echoserver" });
        expect(d.spec?.paused ?? false).toBe(false);
        expect(d.status?.updatedReplicas).toBe(5);
        expect(progressing(done)?.reason).toBe("Completed");
        expect(progressing(done)?.status).toBe("False");
        expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
        const observed = (done.status?.canaryStatus as { observedWorkloadGeneration?: number } | undefined)
          ?.observedWorkloadGeneration;
        expect(observed).toBe(d.metadata?.generation);
        await eventually(
          "canary Deployment removed",
          async () => (await canaryDeployments(ns, "echoserver")).length === 0,
        );
      },
      slow,
    );

    it(
      "Deployment canary rollout with Ingress — V1->V2: Percentage 20%,40%, paused and resume",
      async () => {
        const ns = await createNamespace(cluster, "up-pause");
        namespaces.push(ns);
        await cluster.objects.create(
          v1alpha1CanaryRollout(ns, "Deployment", [20, [40, 10], [60, 10], [80, 10], [100, 0]]),
        );
        await applyFixtures(ns, [
          "rollout/service.yaml",
          "rollout/nginx_ingress.yaml",
          "rollout/deployment.yaml",
        ]);
        await waitForVersions(ns, { version1: 5 });
        await waitForPhase(cluster, ns, "rollouts-demo", "Healthy");
        await setNodeName(ns, "Deployment", "version2");
        await waitForStep(cluster, ns, "rollouts-demo", 1, "StepPaused");
        await approve(cluster, ns, "rollouts-demo");
        await waitForStep(cluster, ns, "rollouts-demo", 2, "StepPaused");
        // Pause the Rollout (kubectl-kruise rollout pause / vela workflow suspend) during the 10 s pause.
        await patchRolloutSpec(cluster, ns, "rollouts-demo", { strategy: { paused: true } }, "v1alpha1");
        await eventually("paused", async () => {
          const r = await readRollout(cluster, ns, "rollouts-demo");
          return progressing(r)?.reason === "Paused" ? r : undefined;
        });
        await new Promise((r) => setTimeout(r, 15_000));
        const paused = await readRollout(cluster, ns, "rollouts-demo");
        expect(paused.status?.phase).toBe("Progressing");
        expect(paused.status?.canaryStatus?.currentStepIndex).toBe(2);
        expect(progressing(paused)?.reason).toBe("Paused");
        expect(paused.status?.message).toBe("Rollout has been paused, you can resume it by kube-cli");
        await waitForVersions(ns, { version1: 5, version2: 2 });
        expect((await canaryIngress(ns))?.metadata?.annotations?.[`${nginx}/canary-weight`]).toBe("40");

        await patchRolloutSpec(cluster, ns, "rollouts-demo", { strategy: { paused: false } }, "v1alpha1");
        const done = await waitForPhase(cluster, ns, "rollouts-demo", "Healthy");
        expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
        await waitForVersions(ns, { version2: 5 });
        const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: "echoserver" });
        expect(d.spec?.paused ?? false).toBe(false);
      },
      slow,
    );

    it.each([
      { style: "Canary", fixture: "rollout/rollout_v1beta1_canary_base.yaml" },
      { style: "Partition", fixture: "rollout/rollout_v1beta1_partition_base.yaml" },
    ])(
      "Step Jump — V1->V2: Deployment, $style, patch nextStepIndex to jump",
      async ({ style, fixture }) => {
        const ns = await createNamespace(cluster, `up-jump-${style.toLowerCase()}`);
        namespaces.push(ns);
        const [rollout] = upstreamFixture<
          { spec: { strategy: { canary: { steps: { pause: unknown }[] } } } } & k8s.KubernetesObject
        >(fixture, ns);
        if (!rollout) throw new Error("fixture missing");
        // Every step waits for us, as upstream's jump test does.
        for (const step of rollout.spec.strategy.canary.steps) step.pause = {};
        await cluster.objects.create(rollout);
        await applyFixtures(ns, [
          "rollout/service.yaml",
          "rollout/nginx_ingress.yaml",
          "rollout/deployment.yaml",
        ]);
        await waitForVersions(ns, { version1: 5 });
        await waitForPhase(cluster, ns, "rollouts-demo", "Healthy");
        await setNodeName(ns, "Deployment", "version2");
        const canary = style === "Canary";
        const at = (n: number) => (canary ? { version1: 5, version2: n } : { version1: 5 - n, version2: n });

        await waitForStep(cluster, ns, "rollouts-demo", 1, "StepPaused");
        await waitForVersions(ns, at(1));
        // Jump forward from 1 to 3 (60%: 3 pods).
        await jumpTo(cluster, ns, "rollouts-demo", 3);
        const r3 = await waitForStep(cluster, ns, "rollouts-demo", 3, "StepPaused");
        expect(r3.status?.canaryStatus?.currentStepIndex).toBe(3);
        expect((r3.status?.canaryStatus as { nextStepIndex?: number } | undefined)?.nextStepIndex).toBe(4);
        await waitForVersions(ns, at(3));
        if (canary)
          expect((await canaryIngress(ns))?.metadata?.annotations?.[`${nginx}/canary-weight`]).toBe("60");
        // Jump back to 2: nothing is scaled back, the step is re-entered.
        await jumpTo(cluster, ns, "rollouts-demo", 2);
        const r2 = await waitForStep(cluster, ns, "rollouts-demo", 2, "StepPaused");
        expect((r2.status?.canaryStatus as { nextStepIndex?: number } | undefined)?.nextStepIndex).toBe(3);
        await waitForVersions(ns, at(3));
        // Jump to the last step: everything is released and the Rollout completes.
        // Jump to the last step (100%, which never pauses): the Rollout completes by itself.
        const rec = recordReasons(cluster, ns, "rollouts-demo");
        await jumpTo(cluster, ns, "rollouts-demo", 5);
        const done = await waitForPhase(cluster, ns, "rollouts-demo", "Healthy");
        await rec.stop();
        expect(rec.reasons.slice(-2)).toEqual(["Finalising", "Completed"]);
        expect(done.status?.canaryStatus?.currentStepIndex).toBe(5);
        expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
        await waitForVersions(ns, { version2: 5 });
        await eventually(
          "BatchRelease removed",
          async () => (await listBatchReleases(cluster, ns)).length === 0,
        );
      },
      slow,
    );

    it(
      "Native StatefulSet rollout canary with Ingress — V1->V2: Percentage, 20%,60% Succeeded",
      async () => {
        const ns = await createNamespace(cluster, "up-sts");
        namespaces.push(ns);
        // Partition style refuses traffic above 50% of the pods (validation rule 5), so the 60%
        // step releases pods only, as upstream's partition fixtures do.
        await cluster.objects.create(
          v1alpha1CanaryRollout(ns, "StatefulSet", [20, { replicas: "60%", pause: {} }]),
        );
        await applyFixtures(ns, [
          "rollout/service.yaml",
          "rollout/headless_service.yaml",
          "rollout/nginx_ingress.yaml",
          "rollout/native_statefulset.yaml",
        ]);
        await waitForVersions(ns, { version1: 5 });
        await waitForPhase(cluster, ns, "rollouts-demo", "Healthy");
        const partition = async () =>
          (await cluster.apps.readNamespacedStatefulSet({ namespace: ns, name: "echoserver" })).spec
            ?.updateStrategy?.rollingUpdate?.partition;

        await setNodeName(ns, "StatefulSet", "version2");
        const r1 = await waitForStep(cluster, ns, "rollouts-demo", 1, "StepPaused");
        await waitForVersions(ns, { version1: 4, version2: 1 });
        expect(await partition()).toBe(4);
        const cs1 = r1.status?.canaryStatus as unknown as Record<string, string | number>;
        expect(cs1.canaryReplicas).toBe(1);
        expect(cs1.canaryReadyReplicas).toBe(1);
        const set = await cluster.apps.readNamespacedStatefulSet({ namespace: ns, name: "echoserver" });
        expect(cs1.stableRevision).toBe(set.status?.currentRevision);
        expect(cs1.canaryRevision).toBe(set.status?.updateRevision);
        expect((await service(ns, "echoserver"))?.spec?.selector?.["controller-revision-hash"]).toBe(
          set.status?.currentRevision,
        );
        expect((await service(ns, "echoserver-canary"))?.spec?.selector?.["controller-revision-hash"]).toBe(
          set.status?.updateRevision,
        );
        expect((await canaryIngress(ns))?.metadata?.annotations?.[`${nginx}/canary-weight`]).toBe("20");

        await approve(cluster, ns, "rollouts-demo");
        await waitForStep(cluster, ns, "rollouts-demo", 2, "StepPaused");
        await waitForVersions(ns, { version1: 2, version2: 3 });
        expect(await partition()).toBe(2);
        // A batch-only step: traffic routing is torn down before the batch runs.
        expect(await canaryIngress(ns)).toBeUndefined();
        expect(await service(ns, "echoserver-canary")).toBeUndefined();
        expect(
          (await service(ns, "echoserver"))?.spec?.selector?.["controller-revision-hash"],
        ).toBeUndefined();

        await approve(cluster, ns, "rollouts-demo");
        const done = await waitForPhase(cluster, ns, "rollouts-demo", "Healthy");
        await waitForVersions(ns, { version2: 5 });
        expect(await partition()).toBe(0);
        await eventually(
          "canary Ingress and Service removed",
          async () => !(await canaryIngress(ns)) && !(await service(ns, "echoserver-canary")),
        );
        expect(
          (await service(ns, "echoserver"))?.spec?.selector?.["controller-revision-hash"],
        ).toBeUndefined();
        expect(progressing(done)?.reason).toBe("Completed");
        expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
      },
      slow,
    );
  });
});

// ---------------------------------------------------------------------------------------
// The real kubectl-kruise.

const kruiseToolsVersion = process.env.KRUISE_TOOLS_VERSION ?? "v1.2.2";
const kubectlKruise = join(
  process.env.KRT_CACHE ?? join(homedir(), ".cache", "kruise-rollout-ts"),
  "bin",
  `kruise-tools-${kruiseToolsVersion}`,
  "kubectl-kruise",
);

describe("kubectl-kruise rollout approve", () => {
  beforeAll(async () => {
    // Built once from the Go module and cached (a couple of minutes cold).
    if (!existsSync(kubectlKruise))
      await exec("bash", [join(repoRoot, "src", "devcluster", "build-kruise-tools.sh")], {
        maxBuffer: 1 << 24,
      });
  }, 900_000);

  it(
    "approves each paused step of a StatefulSet release",
    async () => {
      const s = await started("sts", "kruise-tools");
      const run = (...args: string[]) =>
        exec(kubectlKruise, [...args, "-n", s.ns, `--kubeconfig=${inject("kubeconfig")}`]);
      await atStep1(s);
      const first = await run("rollout", "approve", `rollout/${s.name}`);
      expect(first.stdout.trim()).toBe(`rollout.rollouts.kruise.io/${s.name} approved`);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused");
      await waitForPods(s, podsAt(s, v1, v2, 2));
      await run("rollout", "approve", `rollout/${s.name}`);
      await waitForPhase(cluster, s.ns, s.name, "Healthy");
      await waitForPods(s, { [v2]: R });
      // Nothing to approve any more: kubectl-kruise refuses.
      const refused = await run("rollout", "approve", `rollout/${s.name}`).then(
        () => undefined,
        (err: { stderr?: string }) => err.stderr ?? "",
      );
      expect(refused).toMatch(/does not allow to approve, because current canary state is not 'StepPaused'/);
    },
    slow,
  );
});
