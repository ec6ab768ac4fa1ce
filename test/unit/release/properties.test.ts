import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actionKinds } from "../../../src/release/actions.js";
import { fenceposts } from "../../../src/release/batches.js";
import { controlInfo } from "../../../src/release/control/control-info.js";
import { planPartitionDeployment } from "../../../src/release/control/partition-replica-sets.js";
import type { BatchRelease, Deployment, IntOrString, Pod, ReplicaSet } from "../../../src/release/model.js";
import { planBatchRelease, releaseRequeueMs } from "../../../src/release/plan.js";
import { templateHash } from "../../../src/release/template-hash.js";
import { deployment, now, pod, podsOf, release, replicaSet, statefulSet, template } from "./fixtures.js";

const intOrPercent = fc.oneof(
  fc.integer({ min: -1, max: 10 }),
  fc.integer({ min: 0, max: 120 }).map((n) => `${n}%`),
);

describe("planPartitionDeployment properties", () => {
  const scenario = fc.record({
    replicas: fc.integer({ min: 0, max: 8 }),
    maxSurge: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom("0%", "25%", "50%")),
    maxUnavailable: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom("0%", "25%", "50%")),
    partition: intOrPercent,
    olds: fc.array(
      fc.record({ replicas: fc.integer({ min: 0, max: 8 }), ready: fc.integer({ min: 0, max: 8 }) }),
      { minLength: 1, maxLength: 3 },
    ),
    fresh: fc.option(
      fc.record({ replicas: fc.integer({ min: 0, max: 8 }), ready: fc.integer({ min: 0, max: 8 }) }),
      { nil: undefined },
    ),
  });

  type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

  function world(s: Scenario): {
    d: Deployment;
    rss: ReplicaSet[];
    pods: Pod[];
  } {
    const d = deployment({
      replicas: s.replicas,
      paused: true,
      strategy: { type: "Recreate" },
      annotations: {
        "rollouts.kruise.io/deployment-strategy": JSON.stringify({
          rollingStyle: "Partition",
          rollingUpdate: { maxSurge: s.maxSurge, maxUnavailable: s.maxUnavailable },
        }),
      },
    });
    const hash = templateHash(template("v2"));
    const rss = s.olds.map((o, i) =>
      replicaSet(`demo-old${i}`, `v0-${i}`, o.replicas, Math.min(o.ready, o.replicas), {
        revision: i + 1,
        created: `2025-01-0${i + 1}T00:00:00Z`,
      }),
    );
    if (s.fresh)
      rss.push(
        replicaSet(`demo-${hash}`, "v2", s.fresh.replicas, Math.min(s.fresh.ready, s.fresh.replicas), {
          revision: 9,
          hash,
        }),
      );
    const pods = rss.flatMap((rs) =>
      podsOf(
        rs,
        rs.status?.availableReplicas ?? 0,
        (rs.spec.replicas ?? 0) - (rs.status?.availableReplicas ?? 0),
      ),
    );
    return { d, rss, pods };
  }

  /** Applies the scales as the ReplicaSet controller would: it deletes not-ready pods first. */
  function after(rss: ReplicaSet[], actions: ReturnType<typeof planPartitionDeployment>) {
    let total = 0;
    let ready = 0;
    const sizes = new Map(rss.map((rs) => [rs.metadata.name, rs.spec.replicas ?? 0]));
    for (const a of actions) {
      if (a.kind === "create")
        sizes.set(a.object.metadata?.name, (a.object as ReplicaSet).spec.replicas ?? 0);
      if (a.kind === "patch" && a.target.kind === "ReplicaSet")
        sizes.set(a.target.name, (a.patch as { spec: { replicas: number } }).spec.replicas);
    }
    for (const rs of rss) {
      const size = sizes.get(rs.metadata.name) ?? 0;
      const readyBefore = rs.status?.availableReplicas ?? 0;
      const unreadyBefore = (rs.spec.replicas ?? 0) - readyBefore;
      const removed = Math.max(0, (rs.spec.replicas ?? 0) - size);
      ready += readyBefore - Math.max(0, removed - unreadyBefore);
    }
    for (const size of sizes.values()) total += size;
    return { total, ready };
  }

  it("never lets ready pods drop below R - maxUnavailable, nor pods exceed R + maxSurge", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { d, rss, pods } = world(s);
        const actions = planPartitionDeployment(d, rss, pods, s.partition);
        for (const a of actions) expect(["create", "patch"]).toContain(a.kind);
        const { surge, unavailable } = fenceposts(s.maxSurge, s.maxUnavailable, s.replicas);
        const maxUnavailable = s.replicas === 0 ? 0 : Math.min(unavailable, s.replicas);
        const readyBefore = rss.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
        const totalBefore = rss.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
        const next = after(rss, actions);
        expect(next.ready).toBeGreaterThanOrEqual(Math.min(readyBefore, s.replicas - maxUnavailable));
        expect(next.total).toBeLessThanOrEqual(Math.max(totalBefore, s.replicas + surge));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("planBatchRelease properties", () => {
  const kinds = fc.constantFrom(
    { apiVersion: "apps/v1", kind: "Deployment", style: "Canary" as const },
    { apiVersion: "apps/v1", kind: "Deployment", style: "Partition" as const },
    { apiVersion: "apps/v1", kind: "StatefulSet", style: "Partition" as const },
    { apiVersion: "apps.kruise.io/v1beta1", kind: "StatefulSet", style: "" as const },
    { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", style: "Partition" as const },
  );
  const observed = fc.record({
    kind: kinds,
    batches: fc.array(intOrPercent, { minLength: 1, maxLength: 4 }),
    batchPartition: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    rolloutID: fc.constantFrom("", "r1", "r2"),
    phase: fc.constantFrom(undefined, "", "Preparing", "Progressing", "Finalizing", "Completed", "Bogus"),
    batchState: fc.constantFrom(undefined, "Upgrading", "Verifying", "Ready"),
    currentBatch: fc.integer({ min: 0, max: 6 }),
    deleting: fc.boolean(),
    rollbackInBatch: fc.boolean(),
    controlled: fc.boolean(),
    workload: fc.boolean(),
    replicas: fc.integer({ min: 0, max: 6 }),
    updated: fc.integer({ min: 0, max: 6 }),
    partition: fc.integer({ min: 0, max: 32767 }),
    rsSizes: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
    podCount: fc.integer({ min: 0, max: 6 }),
    observedReplicas: fc.integer({ min: -1, max: 6 }),
    policy: fc.constantFrom(undefined, "WaitResume", "Immediate"),
  });

  type Observed = typeof observed extends fc.Arbitrary<infer T> ? T : never;

  function build(o: Observed) {
    const br: BatchRelease = release(
      {
        batches: o.batches.map((canaryReplicas: IntOrString) => ({ canaryReplicas })),
        batchPartition: o.batchPartition,
        rolloutID: o.rolloutID,
        rollingStyle: o.kind.style,
        ...(o.policy ? { finalizingPolicy: o.policy as "WaitResume" } : {}),
      },
      "StatefulSet",
    );
    br.spec.workloadRef = { apiVersion: o.kind.apiVersion, kind: o.kind.kind, name: "demo" };
    if (o.deleting) br.metadata.deletionTimestamp = "t";
    if (o.rollbackInBatch) br.metadata.annotations = { "rollouts.kruise.io/rollback-in-batch": "true" };
    if (o.phase !== undefined) {
      br.status = {
        phase: o.phase as "Progressing",
        observedWorkloadReplicas: o.observedReplicas,
        updateRevision: "demo-v2",
        stableRevision: "demo-v1",
        canaryStatus: { currentBatch: o.currentBatch, ...(o.batchState ? { batchState: o.batchState } : {}) },
      };
    }
    const isDeployment = o.kind.kind === "Deployment";
    const hash = templateHash(template("v2"));
    const workload = !o.workload
      ? undefined
      : isDeployment
        ? deployment({
            replicas: o.replicas,
            paused: true,
            strategy: { type: o.controlled ? "Recreate" : "RollingUpdate" },
            annotations: o.controlled
              ? { "batchrelease.rollouts.kruise.io/control-info": controlInfo(br) }
              : {},
            status: {
              observedGeneration: 3,
              replicas: o.replicas,
              updatedReplicas: o.updated,
              availableReplicas: o.updated,
            },
          })
        : statefulSet({
            partition: o.partition,
            updated: o.updated,
            ...(o.controlled ? { controlled: br } : {}),
          });
    const rss = o.rsSizes.map((n: number, i: number) =>
      i === 0
        ? replicaSet(`demo-${hash}`, "v2", n, n, { hash, revision: 5 })
        : replicaSet(`demo-old${i}`, `v${i}`, n, n, { revision: i }),
    );
    const pods = [
      ...rss.flatMap((rs) => podsOf(rs, rs.spec.replicas ?? 0)),
      ...Array.from({ length: o.podCount }, (_, i) =>
        pod(`demo-${i}`, { "controller-revision-hash": i % 2 ? "v2" : "v1" }, "sts-uid", i % 3 !== 0),
      ),
    ];
    return { release: br, workload, replicaSets: rss, pods, deployments: [] };
  }

  it("never throws and only returns documented actions", () => {
    fc.assert(
      fc.property(observed, (o) => {
        const r = planBatchRelease(build(o), now);
        for (const a of r.actions) {
          expect(actionKinds).toContain(a.kind);
          if (a.kind === "patch") expect(["merge", "strategic", "json"]).toContain(a.patchType);
          if (a.kind === "event") expect(["Normal", "Warning"]).toContain(a.type);
        }
        expect([undefined, releaseRequeueMs]).toContain(r.requeueAfterMs);
        expect(["Preparing", "Progressing", "Finalizing", "Completed", "Bogus", "", undefined]).toContain(
          r.status.phase,
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("is deterministic: the same observed state plans the same result", () => {
    fc.assert(
      fc.property(observed, (o) => {
        const input = build(o);
        expect(planBatchRelease(structuredClone(input), now)).toEqual(
          planBatchRelease(structuredClone(input), now),
        );
      }),
      { numRuns: 300 },
    );
  });
});
