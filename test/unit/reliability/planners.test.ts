import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchReleaseFinalizer } from "../../../src/release/keys.js";
import type {
  BatchRelease,
  BatchReleaseStatus,
  Deployment,
  Pod,
  ReplicaSet,
  StatefulSet,
} from "../../../src/release/model.js";
import { planBatchRelease } from "../../../src/release/plan.js";
import type { CanaryStep, Rollout, RolloutStatus } from "../../../src/rollout/model.js";
import type {
  BatchReleaseView,
  TrafficOps,
  TrafficStep,
  WorkloadView,
} from "../../../src/rollout/observed.js";
import { planRollout } from "../../../src/rollout/plan.js";

// Issue 11, hostile input: random Rollout specs and random observed states, sane or not, go into
// both pure planners. They must never throw, and always answer with a status and actions of the
// documented kinds (patch, create, replace, delete, event), each with a target or object.

const documentedKinds = new Set(["patch", "create", "replace", "delete", "event"]);
const runs = Number(process.env.KRT_FUZZ_RUNS ?? 600);

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
/** Counts and percentages as the CRD allows them, and what it would refuse. */
const hostileIntOrString = fc.oneof(
  fc.integer({ min: -3, max: 12 }),
  fc.integer({ min: -10, max: 250 }).map((n) => `${n}%`),
  fc.constantFrom("", "%", "abc", "50", "1.5%", " 20%", "1e3", "NaN", "-0%"),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const time = fc.oneof(
  fc.constantFrom("2025-12-31T23:59:00Z", "2026-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "not a time", ""),
  fc
    .date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
    .map((d) => d.toISOString()),
);
const stepState = fc.constantFrom(
  "",
  "BeforeStepUpgrade",
  "StepUpgrade",
  "StepTrafficRouting",
  "StepMetricsAnalysis",
  "StepPaused",
  "StepReady",
  "Completed",
  "Bogus",
);
const finalisingStep = fc.constantFrom(
  "",
  "FinalisingStepRouteTrafficToNew",
  "FinalisingStepRouteTrafficToStable",
  "RestoreStableService",
  "RemoveCanaryService",
  "ResumeWorkload",
  "ReleaseWorkloadControl",
  "END",
  "Unknown",
);
const header = fc.record({ type: fc.constantFrom("Exact", "RegularExpression"), name, value: name });

const step: fc.Arbitrary<CanaryStep> = fc.record(
  {
    replicas: hostileIntOrString,
    traffic: fc.oneof(
      fc.integer({ min: -5, max: 150 }).map((n) => `${n}%`),
      fc.constantFrom("x", "", "100"),
    ),
    pause: fc.record(
      { duration: fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.constant(undefined)) },
      {
        requiredKeys: [],
      },
    ),
    matches: fc.array(fc.record({ headers: fc.array(header, { maxLength: 2 }) }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<CanaryStep>;

const condition = fc.record({
  type: fc.constantFrom("Progressing", "Succeeded", "Terminating", "Paused"),
  status: fc.constantFrom("True", "False", "Unknown"),
  reason: fc.constantFrom(
    "Initializing",
    "InRolling",
    "Finalising",
    "Completed",
    "Cancelling",
    "Paused",
    "X",
  ),
  lastUpdateTime: time,
  lastTransitionTime: time,
});

const rolloutStatus: fc.Arbitrary<RolloutStatus> = fc.record(
  {
    observedGeneration: fc.integer({ min: 0, max: 5 }),
    phase: fc.constantFrom("Initial", "Healthy", "Progressing", "Terminating", "Disabling", "Disabled"),
    message: fc.string({ maxLength: 5 }),
    conditions: fc.array(condition, { maxLength: 3 }),
    currentStepIndex: fc.integer({ min: -1, max: 8 }),
    currentStepState: stepState,
    canaryStatus: fc.record(
      {
        observedWorkloadGeneration: fc.integer({ min: 0, max: 5 }),
        observedRolloutID: name,
        rolloutHash: name,
        stableRevision: name,
        canaryRevision: name,
        podTemplateHash: name,
        canaryReplicas: fc.integer({ min: -1, max: 10 }),
        canaryReadyReplicas: fc.integer({ min: -1, max: 10 }),
        currentStepIndex: fc.integer({ min: -1, max: 8 }),
        nextStepIndex: fc.integer({ min: -1, max: 9 }),
        currentStepState: stepState,
        finalisingStep,
        message: fc.string({ maxLength: 5 }),
        lastUpdateTime: time,
      },
      { requiredKeys: ["canaryRevision", "podTemplateHash", "currentStepIndex", "currentStepState"] },
    ),
  },
  { requiredKeys: ["currentStepIndex", "currentStepState"] },
) as fc.Arbitrary<RolloutStatus>;

const kind = fc.constantFrom("Deployment", "StatefulSet", "CloneSet", "DaemonSet");

const rolloutArb: fc.Arbitrary<Rollout> = fc
  .record({
    kind,
    deleting: fc.boolean(),
    finalizers: fc.subarray(["rollouts.kruise.io/rollout", "example.com/other"]),
    annotations: fc.dictionary(
      fc.constantFrom(
        "rollouts.kruise.io/hash",
        "rollouts.kruise.io/trafficrouting",
        "rollouts.kruise.io/rolling-style",
      ),
      fc.constantFrom("", "x", "partition", "canary", "tr"),
      { maxKeys: 2 },
    ),
    disabled: fc.boolean(),
    paused: fc.boolean(),
    steps: fc.array(step, { maxLength: 5 }),
    traffic: fc.boolean(),
    extra: fc.boolean(),
    failureThreshold: maybe(hostileIntOrString),
    status: maybe(rolloutStatus),
    generation: fc.integer({ min: 0, max: 5 }),
  })
  .map(
    (r) =>
      ({
        apiVersion: "rollouts.kruise.io/v1beta1",
        kind: "Rollout",
        metadata: {
          name: "demo",
          namespace: "ns",
          uid: "r-uid",
          generation: r.generation,
          resourceVersion: "10",
          finalizers: r.finalizers,
          annotations: r.annotations,
          ...(r.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
        },
        spec: {
          workloadRef: { apiVersion: "apps/v1", kind: r.kind, name: "web" },
          ...(r.disabled ? { disabled: true } : {}),
          strategy: {
            ...(r.paused ? { paused: true } : {}),
            canary: {
              steps: r.steps,
              enableExtraWorkloadForCanary: r.extra,
              ...(r.failureThreshold !== undefined ? { failureThreshold: r.failureThreshold } : {}),
              ...(r.traffic ? { trafficRoutings: [{ service: "web", ingress: { name: "web" } }] } : {}),
            },
          },
        },
        ...(r.status ? { status: r.status } : {}),
      }) as unknown as Rollout,
  );

const workloadView: fc.Arbitrary<WorkloadView | null> = fc
  .option(
    fc.record({
      kind,
      generation: fc.integer({ min: 0, max: 6 }),
      statusConsistent: fc.boolean(),
      replicas: fc.integer({ min: -1, max: 20 }),
      stableRevision: fc.constantFrom("", "web-v1", "web-v2"),
      canaryRevision: fc.constantFrom("", "web-v1", "web-v2", "web-v3"),
      podTemplateHash: fc.constantFrom("", "web-v2", "h"),
      inProgressing: fc.boolean(),
      isRollback: fc.boolean(),
      labelled: fc.boolean(),
    }),
    { nil: null },
  )
  .map((w): WorkloadView | null =>
    w === null
      ? null
      : {
          ref: { apiVersion: "apps/v1", kind: w.kind, name: "web", namespace: "ns" },
          uid: "w-uid",
          generation: w.generation,
          statusConsistent: w.statusConsistent,
          replicas: w.replicas,
          stableRevision: w.stableRevision,
          canaryRevision: w.canaryRevision,
          podTemplateHash: w.podTemplateHash,
          revisionLabelKey: (w.kind === "Deployment"
            ? "pod-template-hash"
            : "controller-revision-hash") as WorkloadView["revisionLabelKey"],
          inProgressing: w.inProgressing,
          isRollback: w.isRollback,
          labels: w.labelled
            ? { "rollouts.kruise.io/workload-type": w.kind.toLowerCase() }
            : ({} as Record<string, string>),
        },
  );

const batchReleaseView: fc.Arbitrary<BatchReleaseView | null> = fc
  .option(
    fc.record({
      batches: fc.array(hostileIntOrString, { maxLength: 5 }),
      batchPartition: fc.option(fc.integer({ min: -1, max: 6 }), { nil: null }),
      phase: fc.constantFrom(undefined, "", "Preparing", "Progressing", "Finalizing", "Completed"),
      currentBatch: fc.integer({ min: -1, max: 6 }),
      batchState: fc.constantFrom(undefined, "Upgrading", "Verifying", "Ready"),
      updated: fc.integer({ min: -1, max: 20 }),
      ready: fc.integer({ min: -1, max: 20 }),
      observedGeneration: fc.integer({ min: 0, max: 5 }),
      planHash: fc.constantFrom("h", "other"),
      rolloutID: fc.constantFrom("", "web-v2", "x"),
      deleting: fc.boolean(),
    }),
    { nil: null },
  )
  .map((b) =>
    b === null
      ? null
      : {
          exists: true as const,
          deleting: b.deleting,
          generation: 3,
          resourceVersion: "55",
          annotations: {},
          specPlanHash: "h",
          spec: {
            workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
            releasePlan: {
              batches: b.batches.map((canaryReplicas) => ({ canaryReplicas })),
              batchPartition: b.batchPartition,
              rolloutID: b.rolloutID,
            },
          },
          status: {
            ...(b.phase !== undefined ? { phase: b.phase } : {}),
            observedGeneration: b.observedGeneration,
            observedReleasePlanHash: b.planHash,
            observedRolloutID: b.rolloutID,
            canaryStatus: {
              currentBatch: b.currentBatch,
              ...(b.batchState ? { batchState: b.batchState } : {}),
              updatedReplicas: b.updated,
              updatedReadyReplicas: b.ready,
            },
          },
        },
  );

/** Traffic operations that answer done or not yet at random, sometimes with an error. */
const trafficOps: fc.Arbitrary<TrafficOps | null> = fc
  .option(
    fc.record({
      ok: fc.boolean(),
      outcomes: fc.array(fc.constantFrom("done", "pending", "error"), { minLength: 1, maxLength: 8 }),
    }),
    { nil: null },
  )
  .map((t) => {
    if (t === null) return null;
    let i = 0;
    const op = (): TrafficStep => {
      const outcome = t.outcomes[i++ % t.outcomes.length];
      if (outcome === "done") return { done: true, actions: [] };
      return {
        done: false,
        actions: [
          {
            kind: "patch",
            target: { apiVersion: "v1", kind: "Service", namespace: "ns", name: "web" },
            patchType: "merge",
            patch: { spec: {} },
          },
        ],
        ...(outcome === "error" ? { error: "the provider failed" } : {}),
      };
    };
    return {
      initialize: () => (t.ok ? { ok: true } : { ok: false, error: "missing" }),
      patchStableService: op,
      restoreStableService: op,
      ensureRoutes: op,
      routeAllTrafficToNew: op,
      restoreGateway: op,
      removeCanaryService: op,
    };
  });

function expectDocumentedActions(actions: unknown): void {
  expect(Array.isArray(actions)).toBe(true);
  for (const a of actions as { kind: string; target?: { name?: unknown }; object?: unknown }[]) {
    expect(documentedKinds.has(a.kind), `action kind ${a.kind}`).toBe(true);
    if (a.kind === "patch" || a.kind === "delete") expect(typeof a.target?.name).toBe("string");
    if (a.kind === "create" || a.kind === "replace") expect(typeof a.object).toBe("object");
  }
}

function expectRequeue(ms: number | undefined): void {
  if (ms === undefined) return;
  expect(Number.isFinite(ms), `requeueAfterMs ${ms}`).toBe(true);
  expect(ms).toBeGreaterThanOrEqual(0);
}

describe("planRollout under hostile input", () => {
  it("never throws and answers with a status and documented actions", () => {
    fc.assert(
      fc.property(
        rolloutArb,
        workloadView,
        batchReleaseView,
        trafficOps,
        fc.date({ min: new Date("2025-01-01"), max: new Date("2031-01-01"), noInvalidDate: true }),
        (rollout, workload, batchRelease, traffic, now) => {
          const plan = planRollout({
            rollout: structuredClone(rollout),
            workload,
            batchRelease,
            traffic: rollout.spec.strategy.canary?.trafficRoutings ? traffic : null,
            now,
          });
          expect(typeof plan.status).toBe("object");
          expect(typeof plan.status.currentStepIndex).toBe("number");
          expectDocumentedActions(plan.actions);
          expectRequeue(plan.requeueAfterMs);
        },
      ),
      { numRuns: runs },
    );
  });

  it("does not mutate what it observed", () => {
    fc.assert(
      fc.property(rolloutArb, workloadView, batchReleaseView, (rollout, workload, batchRelease) => {
        const before = JSON.stringify({ rollout, workload, batchRelease });
        planRollout({
          rollout,
          workload,
          batchRelease,
          traffic: null,
          now: new Date("2026-01-01T00:00:00Z"),
        });
        expect(JSON.stringify({ rollout, workload, batchRelease })).toBe(before);
      }),
      { numRuns: Math.ceil(runs / 3) },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// planBatchRelease

const template = (image: string) => ({
  metadata: { labels: { app: "demo" } },
  spec: { containers: [{ name: "main", image }] },
});

const releaseStatus: fc.Arbitrary<BatchReleaseStatus | undefined> = maybe(
  fc.record(
    {
      phase: fc.constantFrom("", "Initial", "Preparing", "Progressing", "Finalizing", "Completed"),
      canaryStatus: fc.record(
        {
          currentBatch: fc.integer({ min: -1, max: 6 }),
          batchState: fc.constantFrom("", "Upgrading", "Verifying", "Ready"),
          batchReadyTime: fc.option(time, { nil: null }),
          updatedReplicas: fc.integer({ min: -1, max: 20 }),
          updatedReadyReplicas: fc.integer({ min: -1, max: 20 }),
          noNeedUpdateReplicas: fc.option(fc.integer({ min: -1, max: 20 }), { nil: null }),
        },
        { requiredKeys: ["currentBatch"] },
      ),
      stableRevision: fc.constantFrom("", "demo-v1", "x"),
      updateRevision: fc.constantFrom("", "demo-v2", "y"),
      observedGeneration: fc.integer({ min: 0, max: 5 }),
      observedRolloutID: fc.constantFrom("", "r1", "r2"),
      observedWorkloadReplicas: fc.integer({ min: -1, max: 20 }),
      observedReleasePlanHash: fc.constantFrom("", "zzz"),
      conditions: fc.array(condition, { maxLength: 2 }),
    },
    { requiredKeys: ["canaryStatus"] },
  ) as fc.Arbitrary<BatchReleaseStatus>,
);

const releaseArb: fc.Arbitrary<BatchRelease> = fc
  .record({
    kind: fc.constantFrom("Deployment", "StatefulSet", "CloneSet"),
    batches: fc.array(hostileIntOrString, { maxLength: 5 }),
    batchPartition: fc.option(fc.integer({ min: -2, max: 7 }), { nil: null }),
    rolloutID: fc.constantFrom("", "r1", "r2"),
    failureThreshold: fc.option(hostileIntOrString, { nil: null }),
    finalizingPolicy: fc.constantFrom("", "WaitResume", "Immediate"),
    rollingStyle: fc.constantFrom("", "Canary", "Partition", "BlueGreen"),
    extra: fc.boolean(),
    deleting: fc.boolean(),
    finalized: fc.boolean(),
    status: releaseStatus,
  })
  .map((r) => ({
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "BatchRelease",
    metadata: {
      name: "demo",
      namespace: "ns",
      uid: "br-uid",
      generation: 2,
      resourceVersion: "9",
      finalizers: r.finalized ? [batchReleaseFinalizer] : [],
      ...(r.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: r.kind, name: "demo" },
      releasePlan: {
        batches: r.batches.map((canaryReplicas) => ({ canaryReplicas })),
        batchPartition: r.batchPartition,
        rolloutID: r.rolloutID,
        failureThreshold: r.failureThreshold,
        finalizingPolicy: r.finalizingPolicy as "" | "WaitResume" | "Immediate",
        rollingStyle: r.rollingStyle as "" | "Canary" | "Partition" | "BlueGreen",
        enableExtraWorkloadForCanary: r.extra,
      },
    },
    ...(r.status ? { status: r.status } : {}),
  }));

const workloadState = fc.record({
  replicas: fc.integer({ min: -1, max: 12 }),
  paused: fc.boolean(),
  strategy: fc.constantFrom("RollingUpdate", "Recreate", undefined),
  partition: fc.option(fc.integer({ min: -1, max: 40_000 }), { nil: undefined }),
  observedGeneration: fc.integer({ min: 0, max: 4 }),
  statusReplicas: fc.integer({ min: 0, max: 12 }),
  updated: fc.integer({ min: 0, max: 12 }),
  ready: fc.integer({ min: 0, max: 12 }),
  annotations: fc.dictionary(
    fc.constantFrom(
      "rollouts.kruise.io/in-progressing",
      "batchrelease.rollouts.kruise.io/control-info",
      "rollouts.kruise.io/deployment-strategy",
      "rollouts.kruise.io/rollback-in-batch",
    ),
    fc.constantFrom("", "{}", "not json", '{"rolloutName":"demo"}', '{"rollingStyle":"Partition"}', "null"),
    { maxKeys: 3 },
  ),
  image: fc.constantFrom("v1", "v2"),
});

type WorkloadState = typeof workloadState extends fc.Arbitrary<infer T> ? T : never;

function workloadOf(kind: string, w: WorkloadState): Deployment | StatefulSet {
  const meta = { name: "demo", namespace: "ns", uid: "w-uid", generation: 3, annotations: w.annotations };
  if (kind === "StatefulSet") {
    return {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: meta,
      spec: {
        replicas: w.replicas,
        template: template(w.image),
        updateStrategy: {
          type: w.strategy ?? "RollingUpdate",
          rollingUpdate: w.partition === undefined ? null : { partition: w.partition },
        },
      },
      status: {
        observedGeneration: w.observedGeneration,
        replicas: w.statusReplicas,
        readyReplicas: w.ready,
        updatedReplicas: w.updated,
        updatedReadyReplicas: Math.min(w.updated, w.ready),
        currentRevision: "demo-v1",
        updateRevision: "demo-v2",
      },
    } satisfies StatefulSet;
  }
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta,
    spec: {
      replicas: w.replicas,
      paused: w.paused,
      selector: { matchLabels: { app: "demo" } },
      template: template(w.image),
      ...(w.strategy ? { strategy: { type: w.strategy } } : {}),
    },
    status: {
      observedGeneration: w.observedGeneration,
      replicas: w.statusReplicas,
      updatedReplicas: w.updated,
      readyReplicas: w.ready,
      availableReplicas: w.ready,
    },
  } satisfies Deployment;
}

const replicaSetsArb = fc.array(
  fc.record({
    hash: fc.constantFrom("aaa", "bbb", "ccc"),
    image: fc.constantFrom("v1", "v2"),
    replicas: fc.integer({ min: 0, max: 8 }),
    available: fc.integer({ min: 0, max: 8 }),
    owner: fc.constantFrom("w-uid", "canary-uid", "other"),
    revision: fc.constantFrom("1", "2", "x"),
  }),
  { maxLength: 3 },
);

const podsArb = fc.array(
  fc.record({
    hash: fc.constantFrom("aaa", "bbb", "ccc"),
    ready: fc.boolean(),
    batch: fc.constantFrom(undefined, "1", "2", "x"),
    rolloutId: fc.constantFrom(undefined, "r1", "r2"),
    phase: fc.constantFrom("Running", "Pending", "Succeeded", "Failed"),
    deleting: fc.boolean(),
  }),
  { maxLength: 8 },
);

describe("planBatchRelease under hostile input", () => {
  it("never throws and answers with a status and documented actions", () => {
    fc.assert(
      fc.property(
        releaseArb,
        fc.option(workloadState, { nil: undefined }),
        fc.option(fc.constantFrom("connection refused", "forbidden"), { nil: undefined }),
        replicaSetsArb,
        podsArb,
        fc.boolean(),
        fc.boolean(),
        fc.date({ min: new Date("2025-01-01"), max: new Date("2031-01-01"), noInvalidDate: true }),
        (release, w, workloadError, rss, podStates, withCanary, pending, now) => {
          const kind = release.spec.workloadRef.kind;
          const workload = w ? (workloadOf(kind, w) as Deployment | StatefulSet) : undefined;
          const replicaSets: ReplicaSet[] = rss.map((rs, i) => ({
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            metadata: {
              name: `demo-${rs.hash}-${i}`,
              namespace: "ns",
              uid: `rs-${i}`,
              resourceVersion: "7",
              creationTimestamp: "2025-01-01T00:00:00Z",
              labels: { app: "demo", "pod-template-hash": rs.hash },
              annotations: { "deployment.kubernetes.io/revision": rs.revision },
              ownerReferences: [
                { apiVersion: "apps/v1", kind: "Deployment", name: "demo", uid: rs.owner, controller: true },
              ],
            },
            spec: {
              replicas: rs.replicas,
              template: {
                ...template(rs.image),
                metadata: { labels: { app: "demo", "pod-template-hash": rs.hash } },
              },
            },
            status: { replicas: rs.replicas, availableReplicas: rs.available, readyReplicas: rs.available },
          }));
          const pods: Pod[] = podStates.map((p, i) => ({
            apiVersion: "v1",
            kind: "Pod",
            metadata: {
              name: `demo-${i}`,
              namespace: "ns",
              labels: {
                app: "demo",
                "pod-template-hash": p.hash,
                ...(p.batch ? { "rollouts.kruise.io/rollout-batch-id": p.batch } : {}),
                ...(p.rolloutId ? { "rollouts.kruise.io/rollout-id": p.rolloutId } : {}),
              },
              ...(p.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
              ownerReferences: [
                {
                  apiVersion: "apps/v1",
                  kind: "ReplicaSet",
                  name: "demo",
                  uid: `rs-${i % 3}`,
                  controller: true,
                },
              ],
            },
            status: { phase: p.phase, conditions: [{ type: "Ready", status: p.ready ? "True" : "False" }] },
          }));
          const deployments: Deployment[] = withCanary
            ? [
                {
                  ...(workloadOf("Deployment", {
                    ...(w ?? ({} as WorkloadState)),
                    annotations: {},
                    image: "v2",
                  } as WorkloadState) as Deployment),
                  metadata: {
                    name: "demo-canary",
                    namespace: "ns",
                    uid: "canary-uid",
                    labels: { "rollouts.kruise.io/canary-deployment": "demo" },
                    ownerReferences: [
                      {
                        apiVersion: "rollouts.kruise.io/v1beta1",
                        kind: "BatchRelease",
                        name: "demo",
                        uid: "br-uid",
                      },
                    ],
                  },
                },
              ]
            : [];
          const plan = planBatchRelease(
            {
              release: structuredClone(release),
              ...(workload ? { workload } : {}),
              ...(workloadError ? { workloadError } : {}),
              replicaSets,
              deployments,
              pods,
              canaryCreationPending: pending,
            },
            now,
          );
          expect(typeof plan.status).toBe("object");
          expect(typeof plan.status.canaryStatus).toBe("object");
          expect(typeof plan.statusChanged).toBe("boolean");
          expectDocumentedActions(plan.actions);
          expectRequeue(plan.requeueAfterMs);
        },
      ),
      { numRuns: runs },
    );
  });
});
