// CloneSet releases end to end with the real kruise-manager (v1.9.0) on the local control
// plane: the engine issue's scenario matrix in partition style, with in-place updates (a pod
// keeps its name and uid, kruise swaps its image and KWOK reports it), and the v1beta1 "canary"
// strategy, which upstream runs in partition style on a CloneSet whatever
// enableExtraWorkloadForCanary says (batchrelease_executor.go: the Canary case falls through to
// Partition for anything but a Deployment).
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
  listBatchReleases,
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
// Two manual pauses, then 100% (which never pauses).
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

async function subject(prefix: string): Promise<KruiseSubject> {
  const ns = await createNamespace(cluster, `cs-${prefix}`);
  namespaces.push(ns);
  return {
    cluster,
    ns,
    style: "partition",
    kind: "CloneSet",
    name: "web",
    replicas: R,
    selector: "app=web",
    container: "main",
  };
}

/** A CloneSet on v1 with its Rollout Healthy. */
async function started(prefix: string, canary: Record<string, unknown> = {}): Promise<KruiseSubject> {
  const s = await subject(prefix);
  await cluster.objects.create(kruiseWorkload(s, v1));
  await pods(s, { [v1]: R });
  await cluster.objects.create(rolloutFor(s.ns, s.name, kruiseRef(s), { steps, ...canary }));
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
  return (await readKruiseWorkload(s)).spec.updateStrategy?.partition;
}

describe.concurrent("CloneSet (partition style, in place)", () => {
  it(
    "releases batch by batch in place: exact pods, partitions, labels, then nothing left",
    async () => {
      const s = await started("matrix");
      const before = identities(await live(s));
      await updateKruiseWorkload(s, v2);
      const r1 = await waitForStep(cluster, s.ns, s.name, 1, "StepPaused", 120_000);
      expect(r1.status?.message).toBe(
        "Rollout is in step(1/3), and you need manually confirm to enter the next step",
      );
      const rolloutId = r1.status?.canaryStatus?.observedRolloutID;
      expect(rolloutId).toBeTruthy();
      const p1 = await pods(s, { [v1]: R - 1, [v2]: 1 });
      // Batch 1 is "1" of 4 replicas: 3 stay stable, written as the plan wrote it (an integer).
      expect(await partition(s)).toBe(3);
      await eventually("batch 1 labelled", async () => {
        const l = batchesOf(await live(s), v2);
        return l.batches.join() === "1" && l.ids.join() === rolloutId;
      });
      // In place: the same four pods, one now running v2 and reporting it.
      expect(identities(p1)).toEqual(before);
      const updated = p1.find((p) => imageOf(p) === v2) as k8s.V1Pod;
      expect(updated.status?.containerStatuses?.[0]?.image).toBe(v2);
      expect(updated.status?.conditions?.find((c) => c.type === "InPlaceUpdateReady")?.status).toBe("True");
      // A manual pause holds.
      await new Promise((r) => setTimeout(r, 2000));
      await pods(s, { [v1]: R - 1, [v2]: 1 }, 1000);

      await approve(cluster, s.ns, s.name);
      const r2 = await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      expect(r2.status?.message).toBe(
        "Rollout is in step(2/3), and you need manually confirm to enter the next step",
      );
      await pods(s, { [v1]: 2, [v2]: 2 });
      // A percentage step is written as a percentage partition (upstream ParseIntegerAsPercentage).
      expect(await partition(s)).toBe("50%");
      await eventually("batch 2 labelled", async () => batchesOf(await live(s), v2).batches.join() === "1,2");

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

  it.each([
    { extra: true, name: "with enableExtraWorkloadForCanary" },
    { extra: false, name: "without enableExtraWorkloadForCanary" },
  ])(
    "v1beta1 canary strategy $name: partition style, no extra workload",
    async ({ extra }) => {
      const s = await started(extra ? "extra" : "noextra", { enableExtraWorkloadForCanary: extra });
      const before = identities(await live(s));
      const { pods: p1 } = await atStep1(s);
      expect(identities(p1)).toEqual(before);
      expect(await partition(s)).toBe(3);
      const br = (await listBatchReleases(cluster, s.ns))[0] as unknown as {
        spec: { releasePlan: { rollingStyle?: string; enableExtraWorkloadForCanary?: boolean } };
      };
      expect(br.spec.releasePlan.rollingStyle).toBe(extra ? "Canary" : "Partition");
      // No canary workload of any kind next to the CloneSet.
      const clonesets = (await cluster.objects.list("apps.kruise.io/v1alpha1", "CloneSet", s.ns)).items;
      expect(clonesets.map((c) => c.metadata?.name)).toEqual([s.name]);
      expect((await cluster.apps.listNamespacedDeployment({ namespace: s.ns })).items).toEqual([]);
      await approve(cluster, s.ns, s.name);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      await approve(cluster, s.ns, s.name);
      await waitForPhase(cluster, s.ns, s.name, "Healthy", 180_000);
      await pods(s, { [v2]: R });
      await expectKruiseReleased(s);
    },
    slow,
  );

  it(
    "a second rolloutID: pods updated in place drop release 1's labels and take release 2's",
    async () => {
      const s = await started("rid");
      const one = await atStep1(s, v2, { [idLabel]: "r1" });
      expect(one.rollout.status?.canaryStatus?.observedRolloutID).toBe("r1");
      await eventually("release 1 batch 1 labelled", async () => {
        const l = batchesOf(await live(s), v2);
        return l.batches.join() === "1" && l.ids.join() === "r1";
      });
      await approve(cluster, s.ns, s.name);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      await approve(cluster, s.ns, s.name);
      await waitForPhase(cluster, s.ns, s.name, "Healthy", 180_000);
      await pods(s, { [v2]: R });
      await eventually("release 1 fully labelled", async () => {
        const l = batchesOf(await live(s), v2);
        return l.batches.join() === "1,2,3,3" && l.ids.join() === "r1";
      });
      const byName = new Map((await live(s)).map((p) => [p.metadata?.name, p.metadata?.labels ?? {}]));

      // Release 2: the same pods, updated in place again.
      const two = await atStep1(s, v3, { [idLabel]: "r2" }, v2);
      expect(two.rollout.status?.canaryStatus?.observedRolloutID).toBe("r2");
      const moved = await eventually("release 2 batch 1 labelled", async () => {
        const list = await live(s);
        const l = batchesOf(list, v3);
        return l.batches.join() === "1" && l.ids.join() === "r2" ? list : undefined;
      });
      const inPlace = moved.find((p) => imageOf(p) === v3) as k8s.V1Pod;
      // It was one of release 1's pods (same name), and carries nothing of release 1 now.
      expect(byName.get(inPlace.metadata?.name)?.[idLabel]).toBe("r1");
      expect(inPlace.metadata?.labels?.[idLabel]).toBe("r2");
      expect(inPlace.metadata?.labels?.["rollouts.kruise.io/rollout-batch-id"]).toBe("1");
      // The pods still on v2 keep release 1's labels until they are released.
      expect(batchesOf(moved, v2).ids).toEqual(["r1"]);

      await approve(cluster, s.ns, s.name);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      await pods(s, { [v2]: 2, [v3]: 2 });
      await eventually("release 2 batch 2 labelled", async () => {
        const l = batchesOf(await live(s), v3);
        return l.batches.join() === "1,2" && l.ids.join() === "r2";
      });
      await approve(cluster, s.ns, s.name);
      await waitForPhase(cluster, s.ns, s.name, "Healthy", 180_000);
      const final = await pods(s, { [v3]: R });
      expect([...byName.keys()].sort()).toEqual(final.map((p) => p.metadata?.name).sort());
      await eventually("release 2 fully labelled", async () => {
        const l = batchesOf(await live(s), v3);
        return l.batches.join() === "1,2,3,3" && l.ids.join() === "r2";
      });
      await expectKruiseReleased(s);
    },
    slow,
  );

  it(
    "an update made through CloneSet v1beta1 (kruise's storage version) is held and released too",
    async () => {
      const s = await started("v1beta1");
      // The hold is registered at v1alpha1 only; the apiserver converts this update for it.
      await updateKruiseWorkload(s, v2, {}, "apps.kruise.io/v1beta1");
      await waitForStep(cluster, s.ns, s.name, 1, "StepPaused", 120_000);
      await pods(s, { [v1]: R - 1, [v2]: 1 });
      expect(await partition(s)).toBe(3);
      await approve(cluster, s.ns, s.name);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      await approve(cluster, s.ns, s.name);
      await waitForPhase(cluster, s.ns, s.name, "Healthy", 180_000);
      await pods(s, { [v2]: R });
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
      expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("False");
      expect(await eventReasons(cluster, s.ns, s.name)).toContain(
        "Rollback: workload has been rollback, then rollout is canceled",
      );
      await pods(s, { [v1]: R });
      await expectKruiseReleased(s);
      await new Promise((r) => setTimeout(r, 2000));
      await pods(s, { [v1]: R }, 1000);
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
      expect(v2Rev).toBeTruthy();
      await updateKruiseWorkload(s, v3);
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
        180_000,
      );
      expect(await eventReasons(cluster, s.ns, s.name)).toContain(
        "ContinuousRelease: workload continuous publishing canaryRevision, then restart publishing",
      );
      // The v2 pod is updated again, in place, to v3: one new pod, three stable.
      const list = await pods(s, { [v1]: R - 1, [v3]: 1 });
      const l = batchesOf(list, v3);
      expect(l.batches).toEqual(["1"]);
      expect(l.ids).toEqual([restarted.status?.canaryStatus?.observedRolloutID]);
      await approve(cluster, s.ns, s.name);
      await waitForStep(cluster, s.ns, s.name, 2, "StepPaused", 120_000);
      await approve(cluster, s.ns, s.name);
      const done = await waitForPhase(cluster, s.ns, s.name, "Healthy", 180_000);
      expect(done.status?.conditions?.find((c) => c.type === "Succeeded")?.status).toBe("True");
      await pods(s, { [v3]: R });
      await expectKruiseReleased(s);
    },
    slow,
  );

  it(
    "deletion in mid-flight: Rollout deleted at step 1 → CloneSet restored, kruise finishes natively",
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
      const w = await readKruiseWorkload(s);
      expect(w.metadata.labels?.["rollouts.kruise.io/stable-revision"]).toBeUndefined();
    },
    slow,
  );
});
