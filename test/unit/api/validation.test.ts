import { describe, expect, it } from "vitest";
import { convertRolloutToV1alpha1 } from "../../../src/api/conversion.js";
import { Messages } from "../../../src/api/messages.js";
import { RolloutV1alpha1, type RolloutV1alpha1Input } from "../../../src/api/rollout-v1alpha1.js";
import { RolloutV1beta1, type RolloutV1beta1Input } from "../../../src/api/rollout-v1beta1.js";
import {
  type FieldError,
  reviewRolloutAdmission,
  type ValidationContext,
  validateRolloutV1alpha1,
  validateRolloutV1alpha1Update,
  validateRolloutV1beta1,
  validateRolloutV1beta1Update,
} from "../../../src/api/validation.js";
import { Annotations } from "../../../src/api/well-known.js";

const deployment = { apiVersion: "apps/v1", kind: "Deployment", name: "echo" };
const base = (): RolloutV1beta1Input => ({
  metadata: { name: "r", namespace: "ns" },
  spec: {
    workloadRef: { ...deployment },
    strategy: {
      canary: {
        enableExtraWorkloadForCanary: true,
        steps: [{ replicas: "20%", traffic: "5%" }, { replicas: "50%" }],
        trafficRoutings: [{ service: "echo", ingress: { name: "echo" } }],
      },
    },
  },
});

function check(mutate: (r: RolloutV1beta1Input) => void, ctx: ValidationContext = {}): FieldError[] {
  const r = base();
  mutate(r);
  return validateRolloutV1beta1(RolloutV1beta1.parse(r), ctx);
}
// Test fixtures always have these parts; a missing one is a broken fixture.
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("fixture part missing");
  return value;
}
const spec = <T extends { spec?: unknown }>(r: T) => present(r.spec) as NonNullable<T["spec"]>;
const meta = <T extends { metadata?: unknown }>(r: T) => present(r.metadata) as NonNullable<T["metadata"]>;
const canary = (r: RolloutV1beta1Input) => present(spec(r).strategy.canary);

describe("v1beta1 rules (spec §7.3)", () => {
  it("accepts the tutorial Rollout", () => expect(check(() => {})).toEqual([]));

  it.each<[string, (r: RolloutV1beta1Input) => void, FieldError, ValidationContext?]>([
    [
      "conflict",
      () => {},
      {
        field: "spec.workloadRef",
        message: "This rollout conflict with Rollout(ns/other), one workload only have less than one Rollout",
      },
      {
        siblings: [
          { metadata: { name: "other", namespace: "ns" }, spec: { workloadRef: { ...deployment } } },
        ],
      },
    ],
    [
      "unsupported kind",
      (r) => {
        spec(r).workloadRef.kind = "Job";
      },
      { field: "spec.workloadRef", message: Messages.kindUnsupported },
    ],
    [
      "blue-green kind",
      (r) => {
        spec(r).workloadRef = { apiVersion: "apps/v1", kind: "StatefulSet", name: "s" };
        spec(r).strategy = { blueGreen: { steps: [{ replicas: 1 }] } };
      },
      { field: "spec.workloadRef", message: Messages.kindUnsupportedBlueGreen },
    ],
    [
      "no strategy",
      (r) => {
        spec(r).strategy = {};
      },
      { field: "spec.strategy", message: Messages.strategyEmpty },
    ],
    [
      "both strategies",
      (r) => {
        spec(r).strategy.blueGreen = { steps: [{ replicas: 1 }] };
      },
      { field: "spec.strategy", message: Messages.strategyBoth },
    ],
    [
      "no steps",
      (r) => {
        canary(r).steps = [];
      },
      { field: "spec.strategy.canary.steps", message: Messages.stepsEmpty },
    ],
    [
      "no replicas",
      (r) => {
        canary(r).steps = [{ traffic: "5%" }];
      },
      { field: "spec.strategy.canary.steps[0].replicas", message: Messages.replicasEmpty },
    ],
    [
      "replicas out of range",
      (r) => {
        canary(r).steps = [{ replicas: "150%" }];
      },
      { field: "spec.strategy.canary.steps[0].replicas", message: Messages.replicasRange },
    ],
    [
      "partition percent limit",
      (r) => {
        canary(r).enableExtraWorkloadForCanary = false;
        canary(r).steps = [{ replicas: "60%", traffic: "10%" }];
      },
      { field: "spec.strategy.canary.steps[0].replicas", message: Messages.partitionLimit },
    ],
    [
      "canary traffic 0%",
      (r) => {
        canary(r).steps = [{ replicas: 1, traffic: "0%" }];
      },
      { field: "spec.strategy.canary.steps[0].traffic", message: Messages.canaryTraffic },
    ],
    [
      "blue-green traffic above 100%",
      (r) => {
        spec(r).strategy = { blueGreen: { steps: [{ replicas: 1, traffic: "101%" }] } };
      },
      { field: "spec.strategy.blueGreen.steps[0].traffic", message: Messages.blueGreenTraffic },
    ],
    [
      "decreasing replicas",
      (r) => {
        canary(r).steps = [{ replicas: "50%" }, { replicas: "40%" }];
      },
      { field: "spec.strategy.canary.steps[1].replicas", message: Messages.nonDecreasing },
    ],
    [
      "two traffic routings",
      (r) => {
        for (let i = 0; i < 8; i++)
          canary(r).trafficRoutings?.push({ service: `b${i}`, ingress: { name: `b${i}` } });
      },
      { field: "spec.strategy.canary.trafficRoutings", message: Messages.tooManyTrafficRoutings },
    ],
    [
      "negative grace period",
      (r) => {
        canary(r).trafficRoutings = [{ service: "s", gracePeriodSeconds: -1, ingress: { name: "i" } }];
      },
      {
        field: "spec.strategy.canary.trafficRoutings[0].gracePeriodSeconds",
        message: Messages.graceNegative,
      },
    ],
    [
      "empty service",
      (r) => {
        canary(r).trafficRoutings = [{ service: "", ingress: { name: "i" } }];
      },
      { field: "spec.strategy.canary.trafficRoutings[0].service", message: Messages.serviceEmpty },
    ],
    [
      "no network object",
      (r) => {
        canary(r).trafficRoutings = [{ service: "s" }];
      },
      { field: "spec.strategy.canary.trafficRoutings[0]", message: Messages.routingNotSet },
    ],
    [
      "empty ingress name",
      (r) => {
        canary(r).trafficRoutings = [{ service: "s", ingress: { name: "" } }];
      },
      { field: "spec.strategy.canary.trafficRoutings[0].ingress.name", message: Messages.ingressNameEmpty },
    ],
    [
      "gateway without route",
      (r) => {
        canary(r).trafficRoutings = [{ service: "s", gateway: {} }];
      },
      {
        field: "spec.strategy.canary.trafficRoutings[0].gateway.httpRouteName",
        message: Messages.gatewayRouteEmpty,
      },
    ],
  ])("%s", (_name, mutate, expected, ctx) => {
    expect(check(mutate, ctx)).toEqual([expected]);
  });

  it("compares replicas only between consecutive steps of the same kind", () => {
    expect(
      check((r) => {
        canary(r).steps = [{ replicas: "50%" }, { replicas: 3 }, { replicas: "40%" }];
      }),
    ).toEqual([]);
  });

  it("limits partition steps only when traffic is specified, and honours the flag", () => {
    const partition = (r: RolloutV1beta1Input) => {
      canary(r).enableExtraWorkloadForCanary = false;
      canary(r).steps = [{ replicas: "60%" }, { replicas: "70%", traffic: "10%" }];
    };
    expect(check(partition).map((e) => e.field)).toEqual(["spec.strategy.canary.steps[1].replicas"]);
    expect(check(partition, { partitionPercentLimit: 80 })).toEqual([]);
  });
});

describe("v1beta1 update rules while progressing", () => {
  const old = RolloutV1beta1.parse(base());
  const update = (mutate: (r: RolloutV1beta1Input) => void, livePhase = "Progressing") => {
    const next = base();
    mutate(next);
    return validateRolloutV1beta1Update(old, RolloutV1beta1.parse(next), { livePhase });
  };

  it.each<[string, (r: RolloutV1beta1Input) => void, FieldError]>([
    [
      "workloadRef",
      (r) => {
        spec(r).workloadRef.name = "other";
      },
      { field: "spec.workloadRef", message: Messages.objectRefImmutable },
    ],
    [
      "trafficRoutings",
      (r) => {
        canary(r).trafficRoutings = [{ service: "echo", ingress: { name: "x" } }];
      },
      { field: "spec.strategy.canary.trafficRoutings", message: Messages.trafficRoutingsImmutable },
    ],
    [
      "style",
      (r) => {
        canary(r).enableExtraWorkloadForCanary = false;
      },
      { field: "spec.strategy", message: Messages.styleImmutable },
    ],
    [
      "number of steps",
      (r) => {
        canary(r).steps?.push({ replicas: "100%" });
      },
      { field: "spec.strategy.canary.steps", message: Messages.stepCountImmutable },
    ],
  ])("%s is frozen", (_name, mutate, expected) => {
    expect(update(mutate)).toEqual([expected]);
    expect(update(mutate, "Terminating")).toEqual([expected]);
    expect(update(mutate, "Healthy")).toEqual([]);
  });
});

const alphaBase = (): RolloutV1alpha1Input => ({
  metadata: { name: "a", namespace: "ns" },
  spec: {
    objectRef: { workloadRef: { ...deployment } },
    strategy: {
      canary: {
        steps: [{ weight: 5 }, { weight: 20, replicas: "40%" }],
        trafficRoutings: [{ service: "s", ingress: { name: "i" } }],
      },
    },
  },
});
const alphaCheck = (mutate: (r: RolloutV1alpha1Input) => void) => {
  const r = alphaBase();
  mutate(r);
  return validateRolloutV1alpha1(RolloutV1alpha1.parse(r));
};
const alphaCanary = (r: RolloutV1alpha1Input) => present(spec(r).strategy.canary);

describe("v1alpha1 rules", () => {
  it("accepts the tutorial Rollout", () => expect(alphaCheck(() => {})).toEqual([]));

  it.each<[string, (r: RolloutV1alpha1Input) => void, FieldError]>([
    [
      "no canary",
      (r) => {
        spec(r).strategy = {};
      },
      { field: "spec.strategy.canary", message: Messages.canaryEmpty },
    ],
    [
      "neither weight nor replicas",
      (r) => {
        alphaCanary(r).steps = [{ pause: {} }];
      },
      { field: "spec.strategy.canary.steps[0]", message: Messages.weightAndReplicasEmpty },
    ],
    [
      "bad rolling-style annotation",
      (r) => {
        meta(r).annotations = { [Annotations.rollingStyle]: "bluegreen" };
      },
      { field: `metadata.annotations[${Annotations.rollingStyle}]`, message: Messages.rollingStyleInvalid },
    ],
    [
      "weight out of range",
      (r) => {
        alphaCanary(r).steps = [{ weight: 0 }];
      },
      { field: "spec.strategy.canary.steps[0].weight", message: Messages.weightRange },
    ],
    [
      "decreasing weights with traffic routing",
      (r) => {
        alphaCanary(r).steps = [
          { weight: 20, replicas: 1 },
          { weight: 10, replicas: 2 },
        ];
      },
      { field: "spec.strategy.canary.steps[1].weight", message: Messages.weightNonDecreasing },
    ],
    [
      "partition weight limit",
      (r) => {
        meta(r).annotations = { [Annotations.rollingStyle]: "partition" };
        alphaCanary(r).steps = [{ weight: 60 }];
      },
      { field: "spec.strategy.canary.steps[0].weight", message: Messages.weightPartitionLimit },
    ],
  ])("%s", (_name, mutate, expected) => {
    expect(alphaCheck(mutate)).toEqual([expected]);
  });

  it("reports a conflict at the v1alpha1 path of the workload", () => {
    const siblings = [
      { metadata: { name: "other", namespace: "ns" }, spec: { workloadRef: { ...deployment } } },
    ];
    expect(validateRolloutV1alpha1(RolloutV1alpha1.parse(alphaBase()), { siblings })).toEqual([
      {
        field: "spec.objectRef.workloadRef",
        message: "This rollout conflict with Rollout(ns/other), one workload only have less than one Rollout",
      },
    ]);
  });

  it("freezes the rolling-style annotation while progressing", () => {
    const old = RolloutV1alpha1.parse(alphaBase());
    const next = alphaBase();
    meta(next).annotations = { [Annotations.rollingStyle]: "partition" };
    expect(
      validateRolloutV1alpha1Update(old, RolloutV1alpha1.parse(next), { livePhase: "Progressing" }),
    ).toEqual([
      { field: `metadata.annotations[${Annotations.rollingStyle}]`, message: Messages.rollingStyleImmutable },
    ]);
  });
});

describe("reviewRolloutAdmission", () => {
  const review = (object: unknown, version = "v1beta1", operation = "CREATE") => ({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: { uid: "u", kind: { group: "rollouts.kruise.io", version, kind: "Rollout" }, operation, object },
  });

  it("allows a valid Rollout", () => {
    expect(reviewRolloutAdmission(review(base())).response).toEqual({ uid: "u", allowed: true });
  });

  it("denies with 422 naming every field", () => {
    const bad = base();
    canary(bad).steps = [
      { replicas: "50%", traffic: "5%" },
      { replicas: "10%", traffic: "10%" },
    ];
    const response = reviewRolloutAdmission(review(bad)).response;
    expect(response?.allowed).toBe(false);
    expect(response?.status?.code).toBe(422);
    expect(response?.status?.message).toBe(
      `spec.strategy.canary.steps[1].replicas: ${Messages.nonDecreasing}`,
    );
    expect(response?.status?.details?.causes).toEqual([
      {
        type: "FieldValueInvalid",
        field: "spec.strategy.canary.steps[1].replicas",
        message: Messages.nonDecreasing,
      },
    ]);
  });

  it("validates v1alpha1 requests with the v1alpha1 rules", () => {
    const bad = alphaBase();
    alphaCanary(bad).steps = [{ weight: 0 }];
    expect(reviewRolloutAdmission(review(bad, "v1alpha1")).response?.status?.message).toBe(
      `spec.strategy.canary.steps[0].weight: ${Messages.weightRange}`,
    );
  });

  it("validates a blue-green Rollout written through v1alpha1 as the v1beta1 object it stores", () => {
    // Its v1alpha1 view is metadata plus the restore annotation; the v1alpha1 rules would refuse
    // every write of it (found through the real apiserver).
    const bg: RolloutV1beta1Input = {
      metadata: { name: "bg", namespace: "ns" },
      spec: {
        workloadRef: { ...deployment },
        strategy: { blueGreen: { steps: [{ replicas: "50%", traffic: "0%" }, { replicas: "100%" }] } },
      },
    };
    const alpha = convertRolloutToV1alpha1(bg);
    expect(alpha.spec).toBeUndefined();
    expect(reviewRolloutAdmission(review(alpha, "v1alpha1")).response?.allowed).toBe(true);
    const update = review(alpha, "v1alpha1", "UPDATE");
    expect(
      reviewRolloutAdmission({ ...update, request: { ...update.request, oldObject: alpha } }).response
        ?.allowed,
    ).toBe(true);
    present(spec(bg).strategy.blueGreen).steps = [{ replicas: "50%", traffic: "120%" }];
    expect(
      reviewRolloutAdmission(review(convertRolloutToV1alpha1(bg), "v1alpha1")).response?.status?.message,
    ).toBe(`spec.strategy.blueGreen.steps[0].traffic: ${Messages.blueGreenTraffic}`);
  });

  it("lets deletes and status writes through", () => {
    expect(reviewRolloutAdmission(review({}, "v1beta1", "DELETE")).response?.allowed).toBe(true);
    const status = review({}, "v1beta1", "UPDATE");
    expect(
      reviewRolloutAdmission({ ...status, request: { ...status.request, subResource: "status" } }).response
        ?.allowed,
    ).toBe(true);
  });
});
