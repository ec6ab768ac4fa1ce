import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conflictMessage, Messages } from "../../src/api/messages.js";
import { Annotations } from "../../src/api/well-known.js";
import { isConflict } from "../../src/kube/api-error.js";
import {
  createRollout,
  getRollout,
  mergePatchRollout,
  type Obj,
  putRollout,
  rejection,
} from "./support/api.js";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  type TestCluster,
} from "./support/cluster.js";
import { deployment } from "./support/workloads.js";

// Issue §4 / §6 "validation": for each upstream rule (spec §7.3) one invalid Rollout is refused by
// the real apiserver — by a CEL rule of the CRD or by our validating webhook — with upstream's
// message and the field path.

const V1A = "rollouts.kruise.io/v1alpha1";
const V1B = "rollouts.kruise.io/v1beta1";
const web = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };
const ingress = { service: "web", ingress: { name: "web" } };

function beta(name: string, spec: Record<string, unknown>): Obj {
  return { apiVersion: V1B, kind: "Rollout", metadata: { name }, spec: { workloadRef: web, ...spec } };
}
const canary = (c: Record<string, unknown>) => ({ strategy: { canary: c } });
const blueGreen = (c: Record<string, unknown>) => ({ strategy: { blueGreen: c } });
const steps = [{ replicas: 1 }, { replicas: "100%" }];

interface Case {
  rule: string;
  obj: Obj;
  message: string;
  field: string;
}

const cases: Case[] = [
  {
    rule: "2. unsupported workload kind",
    obj: beta("r", { workloadRef: { apiVersion: "v1", kind: "Pod", name: "web" }, ...canary({ steps }) }),
    message: Messages.kindUnsupported,
    field: "spec.workloadRef",
  },
  {
    rule: "2. blue-green only for Deployment / CloneSet",
    obj: beta("r", {
      workloadRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "web" },
      ...blueGreen({ steps }),
    }),
    message: Messages.kindUnsupportedBlueGreen,
    field: "spec.workloadRef",
  },
  {
    rule: "3. neither canary nor blueGreen",
    obj: beta("r", { strategy: {} }),
    message: Messages.strategyEmpty,
    field: "spec.strategy",
  },
  {
    rule: "3. both canary and blueGreen",
    obj: beta("r", { strategy: { canary: { steps }, blueGreen: { steps } } }),
    message: Messages.strategyBoth,
    field: "spec.strategy",
  },
  {
    rule: "4. no steps",
    obj: beta("r", canary({ steps: [] })),
    message: Messages.stepsEmpty,
    field: "spec.strategy.canary.steps",
  },
  {
    rule: "4. a step without replicas",
    obj: beta("r", canary({ steps: [{ traffic: "10%" }] })),
    message: Messages.replicasEmpty,
    field: "spec.strategy.canary.steps[0].replicas",
  },
  {
    rule: "4. replicas out of range",
    obj: beta("r", canary({ steps: [{ replicas: "0%" }] })),
    message: Messages.replicasRange,
    field: "spec.strategy.canary.steps[0].replicas",
  },
  {
    rule: "5. partition style: percentage above the limit with traffic",
    obj: beta(
      "r",
      canary({
        enableExtraWorkloadForCanary: false,
        steps: [{ replicas: "60%", traffic: "10%" }],
        trafficRoutings: [ingress],
      }),
    ),
    message: Messages.partitionLimit,
    field: "spec.strategy.canary.steps[0].replicas",
  },
  {
    rule: "6. canary traffic must be in (0%, 100%]",
    obj: beta("r", canary({ steps: [{ replicas: 1, traffic: "0%" }] })),
    message: Messages.canaryTraffic,
    field: "spec.strategy.canary.steps[0].traffic",
  },
  {
    rule: "6. blue-green traffic must be in [0%, 100%]",
    obj: beta("r", blueGreen({ steps: [{ replicas: "50%", traffic: "120%" }] })),
    message: Messages.blueGreenTraffic,
    field: "spec.strategy.blueGreen.steps[0].traffic",
  },
  {
    rule: "7. replicas must not decrease",
    obj: beta("r", canary({ steps: [{ replicas: 2 }, { replicas: 1 }] })),
    message: Messages.nonDecreasing,
    field: "spec.strategy.canary.steps[1].replicas",
  },
  {
    rule: "8. at most 8 traffic routings (upstream: 1)",
    obj: beta("r", canary({ steps, trafficRoutings: Array.from({ length: 9 }, () => ingress) })),
    message: Messages.tooManyTrafficRoutings,
    field: "spec.strategy.canary.trafficRoutings",
  },
  {
    rule: "8. negative grace period",
    obj: beta("r", canary({ steps, trafficRoutings: [{ ...ingress, gracePeriodSeconds: -1 }] })),
    message: Messages.graceNegative,
    field: "spec.strategy.canary.trafficRoutings[0].gracePeriodSeconds",
  },
  {
    rule: "8. empty service",
    obj: beta("r", canary({ steps, trafficRoutings: [{ ...ingress, service: "" }] })),
    message: Messages.serviceEmpty,
    field: "spec.strategy.canary.trafficRoutings[0].service",
  },
  {
    rule: "8. no ingress, gateway or custom network refs",
    obj: beta("r", canary({ steps, trafficRoutings: [{ service: "web" }] })),
    message: Messages.routingNotSet,
    field: "spec.strategy.canary.trafficRoutings[0]",
  },
  {
    rule: "8. empty ingress name",
    obj: beta("r", canary({ steps, trafficRoutings: [{ service: "web", ingress: { name: "" } }] })),
    message: Messages.ingressNameEmpty,
    field: "spec.strategy.canary.trafficRoutings[0].ingress.name",
  },
  {
    rule: "8. gateway without an HTTPRoute name",
    obj: beta("r", canary({ steps, trafficRoutings: [{ service: "web", gateway: {} }] })),
    message: Messages.gatewayRouteEmpty,
    field: "spec.strategy.canary.trafficRoutings[0].gateway",
  },
];

function alpha(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): Obj {
  return {
    apiVersion: V1A,
    kind: "Rollout",
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { objectRef: { workloadRef: web }, ...spec },
  };
}

const alphaCases: Case[] = [
  {
    rule: "v1alpha1: canary required",
    obj: alpha("r", { strategy: {} }),
    message: Messages.canaryEmpty,
    field: "spec.strategy.canary",
  },
  {
    rule: "v1alpha1: weight or replicas",
    obj: alpha("r", canary({ steps: [{ pause: {} }] })),
    message: Messages.weightAndReplicasEmpty,
    field: "spec.strategy.canary.steps[0]",
  },
  {
    rule: "v1alpha1: rolling-style annotation",
    obj: alpha("r", canary({ steps }), { [Annotations.rollingStyle]: "bluegreen" }),
    message: Messages.rollingStyleInvalid,
    field: `metadata.annotations[${Annotations.rollingStyle}]`,
  },
  {
    rule: "v1alpha1: weight in (0, 100]",
    obj: alpha("r", canary({ steps: [{ weight: 0 }] })),
    message: Messages.weightRange,
    field: "spec.strategy.canary.steps[0].weight",
  },
  {
    rule: "v1alpha1: weights must not decrease with traffic routing",
    obj: alpha(
      "r",
      canary({ steps: [{ weight: 40 }, { weight: 20, replicas: "50%" }], trafficRoutings: [ingress] }),
    ),
    message: Messages.weightNonDecreasing,
    field: "spec.strategy.canary.steps[1].weight",
  },
];

let cluster: TestCluster;
let ns: string;

beforeAll(async () => {
  cluster = connect();
  ns = await createNamespace(cluster, "api-validation");
});
afterAll(async () => {
  await deleteNamespace(cluster, ns);
});

async function expectRejected(write: Promise<unknown>, message: string, field: string) {
  const r = await rejection(write);
  expect(r.code).toBe(422);
  expect(r.message).toContain(`${field}: `);
  expect(r.message).toContain(message);
  expect(r.fields).toContain(field);
}

describe("create", () => {
  it.each([...cases, ...alphaCases])("$rule", async ({ obj, message, field }) => {
    await expectRejected(createRollout(ns, obj), message, field);
  });

  it("accepts the valid counterparts", async () => {
    for (const obj of [beta("ok-b", canary({ steps })), alpha("ok-a", canary({ steps }))]) {
      const created = await createRollout(ns, obj, true);
      expect(created.metadata?.name).toBe(obj.metadata?.name);
    }
  });
});

describe("1. one Rollout per workload", () => {
  it("refuses a second Rollout for the same workload, in either version", async () => {
    const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "shared" };
    await createRollout(ns, beta("first", { workloadRef: ref, ...canary({ steps }) }));
    // The webhook reads siblings from the controller's cache: wait until it has seen the first.
    await eventually("first reconciled", async () => {
      const r = await getRollout(ns, "first", "v1beta1");
      return r.metadata?.finalizers?.includes("rollouts.kruise.io/rollout");
    });
    const message = conflictMessage(`${ns}/first`);
    await expectRejected(
      createRollout(ns, beta("second", { workloadRef: ref, ...canary({ steps }) })),
      message,
      "spec.workloadRef",
    );
    await expectRejected(
      createRollout(ns, {
        ...alpha("second", canary({ steps })),
        spec: { objectRef: { workloadRef: ref }, ...canary({ steps }) },
      }),
      message,
      "spec.objectRef.workloadRef",
    );
  });
});

describe("while Progressing (after a real workload update)", () => {
  it("workload, traffic routings, style and the number of steps are immutable", async () => {
    await cluster.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "web", 2, "echo:v1"),
    });
    await createRollout(
      ns,
      beta(
        "live",
        canary({
          enableExtraWorkloadForCanary: false,
          steps: [{ replicas: 1, pause: {} }, { replicas: "100%" }],
        }),
      ),
    );
    await eventually(
      "Rollout Healthy",
      async () => (await getRollout(ns, "live", "v1beta1")).status?.phase === "Healthy",
    );
    await cluster.apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: "web",
        body: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "echo:v2" }],
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
    const live = await eventually("Rollout Progressing", async () => {
      const r = await getRollout(ns, "live", "v1beta1");
      return r.status?.phase === "Progressing" ? r : undefined;
    });

    // A full-object PUT of the current object with one change; the controller writes the status
    // meanwhile, so a stale resourceVersion (409) is retried with a fresh read.
    interface Spec {
      workloadRef?: unknown;
      objectRef?: unknown;
      strategy: {
        canary: { steps: unknown[]; trafficRoutings?: unknown[]; enableExtraWorkloadForCanary?: boolean };
      };
    }
    const edit = async (change: (spec: Spec) => void, version: "v1beta1" | "v1alpha1" = "v1beta1") => {
      for (;;) {
        const current = await getRollout(ns, "live", version);
        change(current.spec as unknown as Spec);
        try {
          return await putRollout(ns, current);
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
      }
    };
    await expectRejected(
      edit((s) => {
        s.workloadRef = { ...web, name: "other" };
      }),
      Messages.objectRefImmutable,
      "spec.workloadRef",
    );
    await expectRejected(
      edit((s) => {
        s.strategy.canary.trafficRoutings = [ingress];
      }),
      Messages.trafficRoutingsImmutable,
      "spec.strategy.canary.trafficRoutings",
    );
    await expectRejected(
      edit((s) => {
        s.strategy.canary.enableExtraWorkloadForCanary = true;
      }),
      Messages.styleImmutable,
      "spec.strategy",
    );
    await expectRejected(
      edit((s) => {
        s.strategy.canary.steps.push({ replicas: "100%" });
      }),
      Messages.stepCountImmutable,
      "spec.strategy.canary.steps",
    );
    // The same rules through v1alpha1, with its own messages.
    await expectRejected(
      edit((s) => {
        s.objectRef = { workloadRef: { ...web, name: "other" } };
      }, "v1alpha1"),
      Messages.objectRefImmutable,
      "spec.objectRef",
    );
    await expectRejected(
      edit((s) => {
        s.strategy.canary.trafficRoutings = [ingress];
      }, "v1alpha1"),
      Messages.trafficRoutingsImmutableV1alpha1,
      "spec.strategy.canary.trafficRoutings",
    );
    await expectRejected(
      mergePatchRollout(ns, "live", "v1alpha1", {
        metadata: { annotations: { [Annotations.rollingStyle]: "canary" } },
      }),
      Messages.rollingStyleImmutable,
      `metadata.annotations[${Annotations.rollingStyle}]`,
    );
    // A change the rules allow still goes through while Progressing.
    const paused = await mergePatchRollout(ns, "live", "v1beta1", { spec: { strategy: { paused: true } } });
    expect((paused.spec as { strategy: { paused: boolean } }).strategy.paused).toBe(true);
    expect(live.metadata?.name).toBe("live");
  });
});
