import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNamespace, deleteNamespace, eventually } from "./support/cluster.js";
import { type FaultCluster, faultCluster, printLogsOnFailure, sleep } from "./support/faults.js";
import { approve, readRollout, rolloutFor } from "./support/rollouts.js";
import { deployment, imageOf, isPodReady } from "./support/workloads.js";

// Issue 11, approval races: a Rollout of 50 manual steps of equal replicas. At every pause an
// approval (kubectl-kruise's status patch) goes in amid a burst of harmless spec edits — toggling
// failureThreshold (which the BatchRelease's plan carries) and an annotation — that race the
// controller's reconciles and its guarded status writes. Every approval must advance exactly one
// step: none lost (the step would stay paused), none doubled (a step skipped).

const STEPS = 50;
const R = 2;

let fc: FaultCluster;
printLogsOnFailure(() => fc);
let ns = "";

beforeAll(async () => {
  fc = await faultCluster("races", 2);
}, 600_000);

afterAll(async () => {
  if (ns) await deleteNamespace(fc.cluster, ns).catch(() => undefined);
  await fc?.stop();
}, 300_000);

describe("approval races", () => {
  it(`${STEPS} approvals racing spec edits and reconciles: none lost, none doubled`, {
    timeout: 1_800_000,
  }, async () => {
    await fc.startController();
    ns = await createNamespace(fc.cluster, "races");
    const custom = fc.cluster.kc.makeApiClient(k8s.CustomObjectsApi);
    await fc.cluster.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "web", R, "echo:v1"),
    });
    await fc.cluster.objects.create(
      rolloutFor(
        ns,
        "web",
        { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        {
          steps: Array.from({ length: STEPS }, () => ({ replicas: 1, pause: {} })),
          enableExtraWorkloadForCanary: true,
          failureThreshold: "10%",
        },
      ),
    );
    await eventually(
      "Rollout Healthy",
      async () => (await readRollout(fc.cluster, ns, "web")).status?.phase === "Healthy",
      120_000,
    );
    await fc.cluster.apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: "web",
        body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "echo:v2" }],
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );

    const edit = async (n: number) => {
      const body =
        n % 2 === 0
          ? { spec: { strategy: { canary: { failureThreshold: n % 4 === 0 ? "20%" : "10%" } } } }
          : { metadata: { annotations: { "example.com/edit": String(n) } } };
      await custom.patchNamespacedCustomObject(
        {
          group: "rollouts.kruise.io",
          version: "v1beta1",
          namespace: ns,
          plural: "rollouts",
          name: "web",
          body,
        },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
    };

    // Where the Rollout and its BatchRelease stood, for a timeout's message.
    const where = async () => {
      const r = await readRollout(fc.cluster, ns, "web");
      const br = (await custom.getNamespacedCustomObject({
        group: "rollouts.kruise.io",
        version: "v1beta1",
        namespace: ns,
        plural: "batchreleases",
        name: "web",
      })) as { metadata: { generation: number }; spec: { releasePlan: unknown }; status: unknown };
      return JSON.stringify({
        rollout: r.status?.canaryStatus,
        batchRelease: { generation: br.metadata.generation, plan: br.spec.releasePlan, status: br.status },
      });
    };
    const seen: number[] = [];
    const problems: string[] = [];
    let approvals = 0;
    let advanced = 0;
    let edits = 0;
    const perStepMs: number[] = [];
    for (let step = 1; step <= STEPS; step++) {
      await eventually(
        `step ${step} paused`,
        async () => {
          const c = (await readRollout(fc.cluster, ns, "web")).status?.canaryStatus;
          if (c && seen.at(-1) !== c.currentStepIndex) seen.push(c.currentStepIndex);
          return c?.currentStepIndex === step && c.currentStepState === "StepPaused" && !c.finalisingStep;
        },
        180_000,
        50,
      ).catch(async (error: Error) => problems.push(`${error.message}; ${await where()}`));
      if (problems.length > 0) break;
      const t = Date.now();
      // The approval lands somewhere inside a burst of edits.
      const burst = 2 + (step % 5);
      const approveAt = step % (burst + 1);
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i <= burst; i++) {
        if (i === approveAt) {
          writes.push(approve(fc.cluster, ns, "web"));
          approvals++;
        } else {
          writes.push(edit(edits++));
        }
        await sleep(step % 3 === 0 ? 0 : 30);
      }
      await Promise.all(writes);
      // Exactly one step further: the next pause (or the end after the last step), never two.
      const next = await eventually(
        `approval of step ${step} taken`,
        async () => {
          const r = await readRollout(fc.cluster, ns, "web");
          const c = r.status?.canaryStatus;
          if (c && seen.at(-1) !== c.currentStepIndex) seen.push(c.currentStepIndex);
          if (step === STEPS) return c?.finalisingStep ? c : undefined;
          return c && c.currentStepIndex > step ? c : undefined;
        },
        120_000,
        50,
      ).catch(async (error: Error) => {
        problems.push(`lost: ${error.message}; ${await where()}`);
        return undefined;
      });
      if (!next) break;
      if (step < STEPS && next.currentStepIndex !== step + 1)
        problems.push(`approval of step ${step} moved to step ${next.currentStepIndex}`);
      else advanced++;
      perStepMs.push(Date.now() - t);
      if (problems.length > 0) break;
    }
    if (problems.length === 0) {
      await eventually(
        "rollout succeeded",
        async () => {
          const r = await readRollout(fc.cluster, ns, "web");
          return r.status?.phase === "Healthy" && r.status.canaryStatus?.finalisingStep === "END";
        },
        240_000,
      );
      await eventually("every pod on v2", async () => {
        const list = (await fc.cluster.core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" }))
          .items;
        return list.length === R && list.every((p) => isPodReady(p) && imageOf(p) === "echo:v2");
      });
    }
    const sorted = [...perStepMs].sort((a, b) => a - b);
    console.log(
      `[reliability] approval races: ${approvals} approvals amid ${edits} spec edits; ${advanced} advanced exactly ` +
        `one step, ${approvals - advanced} lost or doubled; approval → next pause median ` +
        `${((sorted[Math.floor(sorted.length / 2)] ?? 0) / 1000).toFixed(1)} s, max ` +
        `${((sorted.at(-1) ?? 0) / 1000).toFixed(1)} s`,
    );
    expect(problems).toEqual([]);
    // Step indices seen: 1, 2, …, 50 in order, without a gap or a step back.
    // (Before step 1 the status still shows the previous release's last step, 50 Completed.)
    expect(seen.slice(seen.indexOf(1))).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(advanced).toBe(STEPS);
  });
});
