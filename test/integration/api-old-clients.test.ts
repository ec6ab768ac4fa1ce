import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConflict } from "../../src/kube/api-error.js";
import { asV030 } from "../unit/api/v030.js";
import { createRollout, getRollout, kubectlGet, type Obj, putRollout } from "./support/api.js";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { deployment } from "./support/workloads.js";

// Issue §5 / §6 "old clients": replays exactly the writes `vela workflow suspend|resume|rollback`
// make through openkruise/rollouts v0.3.0 types — a v1alpha1 GET, the object re-encoded with only
// the fields those types know, a full-object PUT (and for resume a PUT of /status) — against a
// Rollout in the middle of a real release, and checks that nothing we need is lost: the Rollout
// continues and completes, and the fields and annotations v0.3.0 does not know are still there.

type J = Record<string, unknown>;

let cluster: TestCluster;
let ns: string;
beforeAll(async () => {
  cluster = connect();
  ns = await createNamespace(cluster, "api-oldclients");
});
afterAll(async () => {
  await deleteNamespace(cluster, ns);
});

/** GET as v1alpha1 into v0.3.0 types, change, PUT the whole object back (retried on 409 like a client would). */
async function v030Write(change: (o: J) => boolean, subresource?: "status"): Promise<boolean> {
  for (;;) {
    const served = await getRollout(ns, "web", "v1alpha1");
    const write = asV030(served);
    if (!change(write)) return false;
    try {
      await putRollout(ns, write as Obj, subresource);
      return true;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}
const strategyOf = (o: J) => (o.spec as { strategy: { paused?: boolean } }).strategy;
const canaryStatusOf = (o: J) => (o.status as { canaryStatus?: { currentStepState: string } }).canaryStatus;

/** vela-core pkg/rollout: SuspendRollout. */
const velaSuspend = () =>
  v030Write((o) => {
    if ((o.status as J | undefined)?.phase !== "Progressing" || strategyOf(o).paused) return false;
    strategyOf(o).paused = true;
    return true;
  });
/** RollbackRollout, and the first half of ResumeRollout. */
const velaUnpause = () =>
  v030Write((o) => {
    if (!strategyOf(o).paused) return false;
    strategyOf(o).paused = false;
    return true;
  });
/** ResumeRollout: un-pause, then re-GET and approve a paused step through /status. */
async function velaResume() {
  await velaUnpause();
  await v030Write((o) => {
    const cs = canaryStatusOf(o);
    if (cs?.currentStepState !== "StepPaused") return false;
    cs.currentStepState = "StepReady";
    return true;
  }, "status");
}

async function waitState(step: number, state: string) {
  return eventually(
    `step ${step} ${state}`,
    async () => {
      const r = await getRollout(ns, "web", "v1beta1");
      const st = r.status as { currentStepIndex?: number; currentStepState?: string } | undefined;
      return st?.currentStepIndex === step && st.currentStepState === state ? r : undefined;
    },
    90_000,
  );
}

const pinnedSpec = {
  patchPodTemplateMetadata: { labels: { tier: "canary" } },
  disableGenerateCanaryService: true,
};

describe("vela workflow suspend | resume | rollback through v0.3.0 types", () => {
  it("lose nothing we need: the release continues and completes", async () => {
    await cluster.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "web", 4, "echo:v1"),
    });
    // As the kruise-rollout trait writes it: v1alpha1, partition style, plus fields v0.3.0 lacks.
    await createRollout(ns, {
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: {
        name: "web",
        annotations: { "rollouts.kruise.io/rolling-style": "partition", "example.com/owner": "team-a" },
        labels: { "app.oam.dev/name": "demo" },
      },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
        strategy: {
          paused: false,
          canary: {
            steps: [
              { replicas: 1, pause: {}, requestHeaderModifier: { set: [{ name: "x-canary", value: "1" }] } },
              { replicas: "50%", pause: {} },
              { replicas: "100%" },
            ],
            ...pinnedSpec,
          },
        },
      },
    });
    await eventually(
      "Healthy",
      async () => (await getRollout(ns, "web", "v1beta1")).status?.phase === "Healthy",
    );
    const before = await getRollout(ns, "web", "v1beta1");

    await cluster.apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: "web",
        body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "echo:v2" }],
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
    await waitState(1, "StepPaused");

    // Printer columns of a progressing Rollout, both versions.
    for (const resource of ["rollouts.v1alpha1.rollouts.kruise.io", "rollouts.v1beta1.rollouts.kruise.io"]) {
      expect((await kubectlGet(resource, ns)).find((r) => r.NAME === "web")).toMatchObject({
        STATUS: "Progressing",
        CANARY_STEP: "1",
        CANARY_STATE: "StepPaused",
      });
    }

    // suspend: accepted while Progressing (nothing it dropped counts as an immutable change).
    expect(await velaSuspend()).toBe(true);
    const suspended = await getRollout(ns, "web", "v1beta1");
    expect(strategyOf(suspended).paused).toBe(true);
    // rollback's write: un-pause only (StepPaused stays, vela issue #7170).
    expect(await velaUnpause()).toBe(true);
    await velaSuspend();
    // resume: un-pause, approve step 1 through /status.
    await velaResume();
    await waitState(2, "StepPaused");
    await velaResume();

    const done = await eventually(
      "Healthy again",
      async () => {
        const r = await getRollout(ns, "web", "v1beta1");
        return r.status?.phase === "Healthy" ? r : undefined;
      },
      120_000,
    );
    // The release really finished: every pod runs the new image.
    const pods = await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" });
    const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(live.map((p) => p.spec?.containers[0]?.image)).toEqual(Array(4).fill("echo:v2"));

    // Nothing v0.3.0 does not know was lost, and every annotation survived.
    const canary = (done.spec as { strategy: { canary: J } }).strategy.canary;
    expect(canary).toMatchObject(pinnedSpec);
    expect((canary.steps as J[])[0]?.requestHeaderModifier).toEqual({
      set: [{ name: "x-canary", value: "1" }],
    });
    expect((canary.steps as J[])[2]).toEqual({ replicas: "100%" });
    expect(canary.enableExtraWorkloadForCanary).toBeUndefined();
    expect(strategyOf(done).paused).toBe(false);
    expect(done.metadata?.annotations).toMatchObject({
      "example.com/owner": "team-a",
      "rollouts.kruise.io/hash": before.metadata?.annotations?.["rollouts.kruise.io/hash"],
    });
    expect(done.metadata?.labels).toEqual({ "app.oam.dev/name": "demo" });
    const alpha = await getRollout(ns, "web", "v1alpha1");
    expect(alpha.metadata?.annotations?.["rollouts.kruise.io/rolling-style"]).toBe("partition");
  });
});
