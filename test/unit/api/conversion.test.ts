import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchReleaseV1alpha1 } from "../../../src/api/batchrelease-v1alpha1.js";
import { BatchReleaseV1beta1 } from "../../../src/api/batchrelease-v1beta1.js";
import {
  convertBatchReleaseToV1alpha1,
  convertBatchReleaseToV1beta1,
  convertRolloutToV1alpha1,
  convertRolloutToV1beta1,
  handleConversionReview,
} from "../../../src/api/conversion.js";
import { oldClientPins } from "../../../src/api/old-clients.js";
import { decodeRestores } from "../../../src/api/restore.js";
import { RolloutV1alpha1, type RolloutV1alpha1Input } from "../../../src/api/rollout-v1alpha1.js";
import { RolloutV1beta1, type RolloutV1beta1Input } from "../../../src/api/rollout-v1beta1.js";
import { Annotations } from "../../../src/api/well-known.js";
import { batchReleaseV1alpha1, batchReleaseV1beta1, rolloutV1alpha1, rolloutV1beta1 } from "./arbitraries.js";

const runs = { numRuns: 300 };

describe("round trips keep every field", () => {
  it("arbitraries produce schema-valid objects", () => {
    fc.assert(
      fc.property(
        rolloutV1alpha1,
        rolloutV1beta1,
        batchReleaseV1alpha1,
        batchReleaseV1beta1,
        (ra, rb, ba, bb) => {
          expect(RolloutV1alpha1.safeParse(ra).success).toBe(true);
          expect(RolloutV1beta1.safeParse(rb).success).toBe(true);
          expect(BatchReleaseV1alpha1.safeParse(ba).success).toBe(true);
          expect(BatchReleaseV1beta1.safeParse(bb).success).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("Rollout v1alpha1 → v1beta1 → v1alpha1", () => {
    fc.assert(
      fc.property(rolloutV1alpha1, (alpha) => {
        const beta = convertRolloutToV1beta1(alpha as RolloutV1alpha1Input);
        expect(beta.apiVersion).toBe("rollouts.kruise.io/v1beta1");
        // Exact, apart from the pins for old clients (old-clients.ts) the v1alpha1 view carries.
        const back = convertRolloutToV1alpha1(beta);
        const { [Annotations.v1beta1Only]: pins, ...rest } = back.metadata?.annotations ?? {};
        expect(decodeRestores(pins)).toEqual(oldClientPins(alpha as never));
        const annotations = Object.keys(rest).length > 0 ? rest : undefined;
        const { annotations: _, ...metadata } = back.metadata ?? {};
        expect({ ...back, metadata: { ...metadata, ...(annotations && { annotations }) } }).toEqual(alpha);
        expect(convertRolloutToV1beta1(back)).toEqual(beta);
      }),
      runs,
    );
  });

  it("Rollout v1beta1 → v1alpha1 → v1beta1", () => {
    fc.assert(
      fc.property(rolloutV1beta1, (beta) => {
        const alpha = convertRolloutToV1alpha1(beta as RolloutV1beta1Input);
        expect(alpha.apiVersion).toBe("rollouts.kruise.io/v1alpha1");
        expect(convertRolloutToV1beta1(alpha)).toEqual(beta);
      }),
      runs,
    );
  });

  it("BatchRelease both ways", () => {
    fc.assert(
      fc.property(batchReleaseV1alpha1, batchReleaseV1beta1, (alpha, beta) => {
        expect(convertBatchReleaseToV1alpha1(convertBatchReleaseToV1beta1(alpha as never))).toEqual(alpha);
        expect(convertBatchReleaseToV1beta1(convertBatchReleaseToV1alpha1(beta as never))).toEqual(beta);
      }),
      runs,
    );
  });

  it("a v1alpha1 Rollout with a workload converts to a valid v1beta1 one", () => {
    fc.assert(
      fc.property(rolloutV1alpha1, (alpha) => {
        // v1beta1 requires the workloadRef that v1alpha1 leaves optional.
        const input = alpha as RolloutV1alpha1Input;
        fc.pre(!input.spec || input.spec.objectRef.workloadRef !== undefined);
        const beta = convertRolloutToV1beta1(input);
        expect(RolloutV1beta1.safeParse(beta).error).toBeUndefined();
      }),
      runs,
    );
  });
});

const tutorial: RolloutV1alpha1Input = {
  apiVersion: "rollouts.kruise.io/v1alpha1",
  kind: "Rollout",
  metadata: {
    name: "rollouts-demo",
    namespace: "default",
    annotations: { [Annotations.trafficRouting]: "tr" },
  },
  spec: {
    objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "echoserver" } },
    rolloutID: "v1",
    strategy: {
      canary: {
        steps: [{ weight: 5, replicas: "20%", pause: {} }, { weight: 40 }],
        trafficRoutings: [{ service: "echoserver", ingress: { classType: "nginx", name: "echoserver" } }],
        disableGenerateCanaryService: true,
      },
    },
  },
  status: {
    phase: "Progressing",
    canaryStatus: {
      canaryRevision: "abc",
      podTemplateHash: "abc",
      canaryReplicas: 1,
      canaryReadyReplicas: 1,
      currentStepIndex: 1,
      currentStepState: "StepPaused",
    },
  },
};

describe("upstream conversion rules", () => {
  const beta = convertRolloutToV1beta1(tutorial);
  const canary = beta.spec?.strategy.canary;

  it("maps weight to traffic, and weight to replicas when replicas is absent", () => {
    expect(canary?.steps).toEqual([
      { traffic: "5%", replicas: "20%", pause: {} },
      { traffic: "40%", replicas: "40%" },
    ]);
    expect(beta.spec?.workloadRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "echoserver" });
  });

  it("derives canary style and the TrafficRouting reference from annotations", () => {
    expect(canary?.enableExtraWorkloadForCanary).toBe(true);
    expect(canary?.trafficRoutingRef).toBe("tr");
    const partition = convertRolloutToV1beta1({
      ...tutorial,
      metadata: { name: "p", annotations: { [Annotations.rollingStyle]: "Partition" } },
    });
    expect(partition.spec?.strategy.canary?.enableExtraWorkloadForCanary).toBeUndefined();
  });

  it("carries disableGenerateCanaryService over (upstream drops it) and keeps rolloutID in an annotation", () => {
    expect(canary?.disableGenerateCanaryService).toBe(true);
    expect(beta.spec).not.toHaveProperty("rolloutID");
    expect(beta.metadata?.annotations?.[Annotations.v1alpha1Only]).toContain("rolloutID");
  });

  it("fills v1beta1's step copies and the fields old clients do not write", () => {
    expect(beta.status?.currentStepIndex).toBe(1);
    expect(beta.status?.currentStepState).toBe("StepPaused");
    expect(beta.status?.canaryStatus?.nextStepIndex).toBe(2);
    expect(beta.status?.canaryStatus?.finalisingStep).toBe("");
  });

  it("writes the rolling-style annotation and rounds traffic up going down", () => {
    const alpha = convertRolloutToV1alpha1({
      metadata: { name: "x" },
      spec: {
        workloadRef: { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", name: "c" },
        strategy: {
          canary: { steps: [{ traffic: "5%", replicas: 1, matches: [{ path: { value: "/a" } }] }] },
        },
      },
    });
    expect(alpha.metadata?.annotations?.[Annotations.rollingStyle]).toBe("partition");
    expect(alpha.spec?.strategy.canary?.steps?.[0]).toEqual({ weight: 5, replicas: 1, matches: [{}] });
    expect(alpha.metadata?.annotations?.[Annotations.v1beta1Only]).toContain('"/a"');
  });

  it("keeps only metadata of a blue-green Rollout in v1alpha1, everything else in the annotation", () => {
    const bg: RolloutV1beta1Input = {
      metadata: { name: "bg" },
      spec: {
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
        strategy: { blueGreen: { steps: [{ replicas: "50%", traffic: "0%" }] } },
      },
    };
    const alpha = convertRolloutToV1alpha1(bg);
    expect(alpha.spec).toBeUndefined();
    expect(alpha.metadata?.name).toBe("bg");
    expect(convertRolloutToV1beta1(alpha)).toEqual(bg);
  });

  it("lets an edit made through v1alpha1 win over the stored v1beta1 original", () => {
    const original: RolloutV1beta1Input = {
      metadata: { name: "e" },
      spec: {
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
        strategy: {
          canary: { steps: [{ traffic: "5.5%", replicas: 1 }], enableExtraWorkloadForCanary: true },
        },
      },
    };
    const alpha = convertRolloutToV1alpha1(original);
    const step = alpha.spec?.strategy.canary?.steps?.[0];
    expect(step?.weight).toBe(0);
    if (step) step.weight = 10;
    expect(convertRolloutToV1beta1(alpha).spec?.strategy.canary?.steps?.[0]?.traffic).toBe("10%");
  });

  it("keeps a v1alpha1 Rollout free of annotations it never had after another writer adds one", () => {
    // Found through the real apiserver: the controller adds its hash annotation to a Rollout
    // created without annotations, and the v1alpha1 view then grew `rolling-style: canary`.
    const { annotations: _, ...bare } = tutorial.metadata ?? {};
    const beta = convertRolloutToV1beta1({ ...tutorial, metadata: bare });
    const annotations = { ...beta.metadata?.annotations, [Annotations.rolloutHash]: "h" };
    const alpha = convertRolloutToV1alpha1({ ...beta, metadata: { ...beta.metadata, annotations } });
    expect(alpha.metadata?.annotations?.[Annotations.rolloutHash]).toBe("h");
    expect(alpha.metadata?.annotations).not.toHaveProperty(Annotations.rollingStyle);
    // It converts back to the stored object (the restore bookkeeping is recomputed), and that
    // object reads as the same v1alpha1 view.
    const back = convertRolloutToV1beta1(alpha);
    expect({ ...back, metadata: {} }).toEqual({ ...beta, metadata: {} });
    expect(back.metadata?.annotations?.[Annotations.rolloutHash]).toBe("h");
    expect(convertRolloutToV1alpha1(back)).toEqual(alpha);
  });

  it("moves the BatchRelease workload and rolling style, and keeps v1beta1's status message", () => {
    const beta = {
      metadata: { name: "br" },
      spec: {
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
        releasePlan: {
          batches: [{ canaryReplicas: 1 }],
          rollingStyle: "Canary",
          enableExtraWorkloadForCanary: true,
        },
      },
      status: { phase: "Progressing", message: "hi" },
    };
    const alpha = convertBatchReleaseToV1alpha1(beta);
    expect(alpha.spec?.targetReference.workloadRef).toEqual(beta.spec.workloadRef);
    expect(alpha.metadata?.annotations?.[Annotations.rollingStyle]).toBe("canary");
    expect(alpha.status).toEqual({ phase: "Progressing" });
    expect(convertBatchReleaseToV1beta1(alpha)).toEqual(beta);
  });
});

describe("handleConversionReview", () => {
  it("converts every object to the desired version", () => {
    const review = handleConversionReview({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "ConversionReview",
      request: { uid: "u1", desiredAPIVersion: "rollouts.kruise.io/v1beta1", objects: [tutorial as never] },
    });
    expect(review.response?.uid).toBe("u1");
    expect(review.response?.result.status).toBe("Success");
    expect(review.response?.convertedObjects).toEqual([convertRolloutToV1beta1(tutorial)]);
  });

  it("fails the whole review on an object it cannot convert", () => {
    const review = handleConversionReview({
      request: {
        uid: "u2",
        desiredAPIVersion: "rollouts.kruise.io/v1alpha1",
        objects: [{ apiVersion: "rollouts.kruise.io/v1beta1", kind: "Unknown" }],
      },
    });
    expect(review.response).toMatchObject({ uid: "u2", convertedObjects: [], result: { status: "Failure" } });
    expect(review.response?.result.message).toContain("Unknown");
  });
});
