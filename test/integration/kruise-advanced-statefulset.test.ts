// Advanced StatefulSet (apps.kruise.io/v1beta1) releases end to end with the real
// kruise-manager (v1.9.0): the seed's StatefulSet example in its Advanced StatefulSet variant,
// and the engine issue's scenarios in partition style with in-place updates (pods keep their
// ordinal name and uid; kruise swaps the image and KWOK reports it).
import type * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningKruise } from "../../src/devcluster/kruise.js";
import { connect, createNamespace, eventually, type TestCluster } from "./support/cluster.js";
import {
  cleanUpThenStopKruise,
  expectKruiseReleased,
  identities,
  type KruiseSubject,
  kruiseRef,
  kruiseWorkload,
  readKruiseWorkload,
  startTestKruise,
  updateKruiseWorkload,
} from "./support/kruise.js";
import { approve, readRollout, rolloutFor, waitForPhase, waitForStep } from "./support/rollouts.js";
import {
  batchesOf,
  eventReasons,
  idLabel,
  jumpTo,
  legacyBatchLabel,
  livePods,
  recordReasons,
  rolloutGone,
  type Subject,
  waitForPods,
} from "./support/scenarios.js";
import { imageOf } from "./support/workloads.js";

const R = 4;
const v1 = "echo:v1";
const v2 = "echo:v2";
const v3 = "echo:v3";
const steps = [{ replicas: 1 }, { replicas: "50%", pause: {} }, { replicas: "100%" }];
const slow = 400_000;

let cluster: TestCluster;
let kruise: RunningKruise | undefined;
const namespaces: string[] = [];

beforeAll(async () => {
  cluster = connect();
  kruise = await startTestKruise();
});
afterAll(() => cleanUpThenStopKruise(cluster, namespaces, kruise));

const asSubject = (s: KruiseSubject) => s as unknown as Subject;
const pods = (s: KruiseSubject, expected: Record<string, number>, timeoutMs?: number) =>
  waitForPods(asSubject(s), expected, timeoutMs);
const live = (s: KruiseSubject) => livePods(asSubject(s));
const progressing = (r: { status?: { conditions?: { type: string; status: string; reason?: string }[] } }) =>
  r.status?.conditions?.find((c) => c.type === "Progressing");

async function subject(
  prefix: string,
  replicas = R,
  name = "web",
  container = "main",
): Promise<KruiseSubject> {
  const ns = await createNamespace(cluster, `asts-${prefix}`);
  namespaces.push(ns);
  return {
    cluster,
    ns,
    style: "partition",
    kind: "AdvancedStatefulSet",
    name,
    replicas,
    selector: `app=${name}`,
    container,
  };
}

async function started(prefix: string): Promise<KruiseSubject> {
  const s = await subject(prefix);
  await cluster.objects.create(kruiseWorkload(s, v1));
  await pods(s, { [v1]: R });
  await cluster.objects.create(rolloutFor(s.ns, s.name, kruiseRef(s), { steps }));
  await waitForPhase(cluster, s.ns, s.name, "Healthy");
  return s;
}

async function atStep1(s: KruiseSubject, image = v2, labels: Record<string, string> = {}, oldImage = v1) {
  await updateKruiseWorkload(s, image, labels);
  const r = await waitForStep(cluster, s.ns, s.name, 1, "StepPaused", 120_000);
  const list = await pods(s, { [oldImage]: R - 1, [image]: 1 });
  return { rollout: r, pods: list };
}

async function partition(s: KruiseSubject) {
  return (await readKruiseWorkload(s)).spec.updateStrategy?.rollingUpdate?.partition;
}

/** `name=batch` of the pods running `image`, sorted. */
const newPodNames = (list: k8s.V1Pod[], image: string) =>
  list
    .filter((p) => imageOf(p) === image)
    .map((p) => `${p.metadata?.name}=${p.metadata?.labels?.[legacyBatchLabel]}`)
    .sort();

describe.concurrent("Advanced StatefulSet (partition style)", () => {
  it(
    "the seed: echoserver, 5 replicas, steps 1 (manual), 2 (pause 60 s), 2, as a v1alpha1 Rollout",
    async () => {
      const s = await subject("seed", 5, "echoserver", "echoserver");
      const old = "cilium/echoserver:latest";
      const next = "cilium/echoserver:1.10.3";
      await cluster.objects.create({
        apiVersion: "apps.kruise.io/v1beta1",
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
      } as k8s.KubernetesObject);
      await pods(s, { [old]: 5 });
      await cluster.objects.create({
        apiVersion: "rollouts.kruise.io/v1alpha1",
        kind: "Rollout",
        metadata: { name: "rollouts-demo", namespace: s.ns },
        spec: {
          objectRef: {
            workloadRef: { apiVersion: "apps.kruise.io/v1beta1", kind: "StatefulSet", name: "echoserver" },
          },
          strategy: {
            canary: {
              steps: [{ replicas: 1, pause: {} }, { replicas: 2, pause: { duration: 60 } }, { replicas: 2 }],
            },
          },
        },
      } as k8s.KubernetesObject);
      await waitForPhase(cluster, s.ns, "rollouts-demo", "Healthy");

      await updateKruiseWorkload(s, next);
      // Step 1: the highest ordinal, batch 1, then a manual pause.
      const r1 = await waitForStep(cluster, s.ns, "rollouts-demo", 1, "StepPaused", 120_000);
      expect(r1.status?.message).toBe(
        "Rollout is in step(1/3), and you need manually confirm to enter the next step",
      );
      const alpha = await readRollout(cluster, s.ns, "rollouts-demo", "v1alpha1");
      expect(alpha.status?.canaryStatus?.currentStepIndex).toBe(1);
      expect(alpha.status?.canaryStatus?.currentStepState).toBe("StepPaused");
      await pods(s, { [old]: 4, [next]: 1 });
      expect(await partition(s)).toBe(4);
      await eventually("batch 1 label", async () =>
        newPodNames(await live(s), next).join() === "echoserver-4=1" ? true : undefined,
      );

      // Step 2: two new pods, then the 60 s pause (a jump to the natural next step is no jump).
      await approve(cluster, s.ns, "rollouts-demo");
      const r2 = await waitForStep(cluster, s.ns, "rollouts-demo", 2, "StepPaused", 120_000);
      expect(r2.status?.message).toBe(
        "Rollout is in step(2/3), and wait duration(60 seconds) to enter the next step",
      );
      await pods(s, { [old]: 3, [next]: 2 });
      expect(await partition(s)).toBe(3);
      await eventually("batch 2 label", async () =>
        newPodNames(await live(s), next).join() === "echoserver-3=2,echoserver-4=1" ? true : undefined,
      );
      await jumpTo(cluster, s.ns, "rollouts-demo", 3);
      const still = await readRollout(cluster, s.ns, "rollouts-demo");
      expect(still.status?.canaryStatus?.currentStepIndex).toBe(2);
      const pausedFrom = Date.parse(
        (still.status?.canaryStatus as { lastUpdateTime?: string } | undefined)?.lastUpdateTime ?? "",
      );
      const r3 = await waitForStep(cluster, s.ns, "rollouts-demo", 3, "StepPaused", 180_000);
      const movedAt = Date.parse(
        (r3.status?.canaryStatus as { lastUpdateTime?: string } | undefined)?.lastUpdateTime ?? "",
      );
      expect(movedAt - pausedFrom).toBeGreaterThanOrEqual(60_000);
      // Step 3 (2 replicas, not 100%): nothing more to update, and a manual pause.
      expect(r3.status?.message).toBe(
        "Rollout is in step(3/3), and you need manually confirm to enter the next step",
      );
      await pods(s, { [old]: 3, [next]: 2 }, 1000);
      expect(await partition(s)).toBe(3);

      await approve(cluster, s.ns, "rollouts-demo");
      const done = await waitForPhase(cluster, s.ns, "rollouts-demo", "Healthy", 180_000);
      expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
      await pods(s, { [next]: 5 }, 180_000);
      await expectKruiseReleased(s);
    },
    slow,
  );

  it(
    "releases batch by batch in place: ordinals from the top, partitions, labels, then nothing left",
    async () => {
      const s = await started("matrix");
      const before = identities(await live(s));
      await updateKruiseWorkload(s, v2);
      const r1 = await waitForStep(cluster, s.ns, s.name, 1, "StepPaused", 120_000);
      const rolloutId = r1.status?.canaryStatus?.observedRolloutID;
      expect(rolloutId).toBeTruthy();
      const p1 = await pods(s, { [v1]: R - 1, [v2]: 1 });
      expect(await partition(s)).toBe(3);
      expect(identities(p1)).toEqual(before);
      const updated = p1.find((p) => imageOf(p) === v2) as k8s.V1Pod;
      expect(updated.metadata?.name).toBe("web-3");
      expect(updated.status?.containerStatuses?.[0]?.image).toBe(v2);
      await eventually("batch 1 labelled", async () =>
        newPodNames(await live(s), v2).join() === "web-3=1" ? true : undefined,
      );

      await approve(cluster, s.ns, s.name);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      await pods(s, { [v1]: 2, [v2]: 2 });
      // Advanced StatefulSets take an integer partition even for a percentage step.
      expect(await partition(s)).toBe(2);
      await eventually("batch 2 labelled", async () =>
        newPodNames(await live(s), v2).join() === "web-2=2,web-3=1" ? true : undefined,
      );

      await approve(cluster, s.ns, s.name);
      const done = await waitForPhase(cluster, s.ns, s.name, "Healthy", 180_000);
      expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
      const final = await pods(s, { [v2]: R });
      expect(identities(final)).toEqual(before);
      await eventually("fully labelled", async () => {
        const l = batchesOf(await live(s), v2);
        return l.batches.join() === "1,2,3,3" && l.ids.join() === rolloutId;
      });
      await expectKruiseReleased(s);
    },
    slow,
  );

  it(
    "a second rolloutID: pods updated in place drop release 1's labels and take release 2's",
    async () => {
      const s = await started("rid");
      await atStep1(s, v2, { [idLabel]: "r1" });
      await approve(cluster, s.ns, s.name);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      await approve(cluster, s.ns, s.name);
      await waitForPhase(cluster, s.ns, s.name, "Healthy", 180_000);
      await pods(s, { [v2]: R });
      await eventually("release 1 fully labelled", async () => {
        const l = batchesOf(await live(s), v2);
        return l.batches.join() === "1,2,3,3" && l.ids.join() === "r1";
      });
      const two = await atStep1(s, v3, { [idLabel]: "r2" }, v2);
      expect(two.rollout.status?.canaryStatus?.observedRolloutID).toBe("r2");
      const moved = await eventually("release 2 batch 1 labelled", async () => {
        const list = await live(s);
        const l = batchesOf(list, v3);
        return l.batches.join() === "1" && l.ids.join() === "r2" ? list : undefined;
      });
      expect(newPodNames(moved, v3)).toEqual(["web-3=1"]);
      expect(batchesOf(moved, v2).ids).toEqual(["r1"]);
      await approve(cluster, s.ns, s.name);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      await approve(cluster, s.ns, s.name);
      await waitForPhase(cluster, s.ns, s.name, "Healthy", 180_000);
      await pods(s, { [v3]: R });
      await eventually("release 2 fully labelled", async () => {
        const l = batchesOf(await live(s), v3);
        return l.batches.join() === "1,2,3,3" && l.ids.join() === "r2";
      });
      await expectKruiseReleased(s);
    },
    slow,
  );

  it(
    "rollback in mid-flight: template reverted at step 1 → Cancelling → Healthy on v1",
    async () => {
      const s = await started("rollback");
      await atStep1(s);
      const rec = recordReasons(cluster, s.ns, s.name);
      await updateKruiseWorkload(s, v1);
      const done = await eventually(
        "rollout canceled and Healthy",
        async () => {
          const r = await readRollout(cluster, s.ns, s.name);
          return r.status?.phase === "Healthy" && progressing(r)?.reason === "Completed" ? r : undefined;
        },
        180_000,
      );
      const { reasons } = await rec.stop();
      expect(reasons.slice(reasons.indexOf("InRolling"))).toEqual(["InRolling", "Cancelling", "Completed"]);
      expect(done.status?.message).toBe("Rollout progressing has been canceled");
      expect(await eventReasons(cluster, s.ns, s.name)).toContain(
        "Rollback: workload has been rollback, then rollout is canceled",
      );
      await pods(s, { [v1]: R });
      await expectKruiseReleased(s);
    },
    slow,
  );

  it(
    "a new revision in mid-flight: v3 at step 1 → restarts at step 1 for v3, completes on v3",
    async () => {
      const s = await started("newrev");
      await atStep1(s);
      const before = await readRollout(cluster, s.ns, s.name);
      const v2Rev = (before.status?.canaryStatus as { canaryRevision?: string } | undefined)?.canaryRevision;
      await updateKruiseWorkload(s, v3);
      await eventually(
        "restarted at step 1 for v3",
        async () => {
          const r = await readRollout(cluster, s.ns, s.name);
          const cs = r.status?.canaryStatus as
            | { canaryRevision?: string; currentStepIndex?: number; currentStepState?: string }
            | undefined;
          return (
            cs?.canaryRevision !== v2Rev && cs?.currentStepIndex === 1 && cs.currentStepState === "StepPaused"
          );
        },
        180_000,
      );
      expect(await eventReasons(cluster, s.ns, s.name)).toContain(
        "ContinuousRelease: workload continuous publishing canaryRevision, then restart publishing",
      );
      const list = await pods(s, { [v1]: R - 1, [v3]: 1 });
      expect(batchesOf(list, v3).batches).toEqual(["1"]);
      await approve(cluster, s.ns, s.name);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      await approve(cluster, s.ns, s.name);
      await waitForPhase(cluster, s.ns, s.name, "Healthy", 180_000);
      await pods(s, { [v3]: R });
      await expectKruiseReleased(s);
    },
    slow,
  );

  it(
    "deletion in mid-flight: Rollout deleted at step 1 → set restored, kruise finishes natively",
    async () => {
      const s = await started("delete");
      await atStep1(s);
      const rec = recordReasons(cluster, s.ns, s.name);
      await cluster.objects.delete({
        apiVersion: "rollouts.kruise.io/v1beta1",
        kind: "Rollout",
        metadata: { name: s.name, namespace: s.ns },
      });
      await eventually("Rollout gone", () => rolloutGone(cluster, s.ns, s.name), 180_000);
      const { phases } = await rec.stop();
      expect(phases).toContain("Terminating");
      await expectKruiseReleased(s);
      await pods(s, { [v2]: R });
    },
    slow,
  );
});
