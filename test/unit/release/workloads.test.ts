import { describe, expect, it } from "vitest";
import type { Deployment } from "../../../src/release/model.js";
import { templateHash } from "../../../src/release/template-hash.js";
import { canaryDeploymentState } from "../../../src/release/workloads/deployment.js";
import { partitionDeploymentState } from "../../../src/release/workloads/deployment-partition.js";
import { statefulSetState } from "../../../src/release/workloads/statefulset.js";
import { deployment, pod, replicaSet, statefulSet, template } from "./fixtures.js";

const progressingAnnotation = { "rollouts.kruise.io/in-progressing": '{"rolloutName":"demo"}' };

describe("canary-style Deployment adapter (controller finder getDeployment)", () => {
  const v1a = replicaSet("demo-aaa", "v1", 2, 2, { created: "2025-01-01T00:00:00Z" });
  const v1b = replicaSet("demo-bbb", "v1b", 2, 2, { created: "2025-02-01T00:00:00Z" });
  const idle = replicaSet("demo-zzz", "v0", 0, 0, { created: "2024-01-01T00:00:00Z" });

  it("stable revision is the oldest owned ReplicaSet that wants pods; canary revision is our template hash", () => {
    const w = canaryDeploymentState(deployment(), [v1b, idle, v1a], []);
    expect(w.revisions).toMatchObject({
      stableRevision: "aaa",
      canaryRevision: templateHash(template("v2")),
      consistent: true,
      inRolloutProgressing: false,
    });
    expect(w.status.updateRevision).toBe(templateHash(template("v2")));
    expect(w.status.stableRevision).toBe("");
  });

  it("is inconsistent without a stable ReplicaSet or with an unobserved generation", () => {
    expect(canaryDeploymentState(deployment(), [], []).revisions.consistent).toBe(false);
    const d = deployment();
    d.metadata.generation = 9;
    expect(canaryDeploymentState(d, [v1a], []).revisions.consistent).toBe(false);
  });

  it("detects a rollback when the template is back to the stable ReplicaSet's", () => {
    const d = deployment({ template: template("v1"), annotations: progressingAnnotation });
    expect(canaryDeploymentState(d, [v1a], []).revisions.isInRollback).toBe(true);
  });

  it("takes podTemplateHash from the newest live canary Deployment's ReplicaSet", () => {
    const canary = (name: string, uid: string, created: string, deleting = false): Deployment => ({
      ...deployment(),
      metadata: {
        name,
        namespace: "ns",
        uid,
        creationTimestamp: created,
        labels: { "rollouts.kruise.io/canary-deployment": "demo" },
        ...(deleting ? { deletionTimestamp: "t" } : {}),
      },
    });
    const c1 = canary("demo-c1", "c1", "2026-01-01T00:00:00Z");
    const c2 = canary("demo-c2", "c2", "2026-02-01T00:00:00Z", true);
    const rs = replicaSet("demo-c1-k8shash", "v2", 1, 1, { owner: "c1" });
    const w = canaryDeploymentState(deployment({ annotations: progressingAnnotation }), [v1a, rs], [c1, c2]);
    expect(w.revisions).toMatchObject({
      podTemplateHash: "k8shash",
      isInRollback: false,
      inRolloutProgressing: true,
    });
  });
});

describe("partition-style Deployment adapter (getAdvancedDeployment)", () => {
  it("reads the stable revision label, the new ReplicaSet's hash and extra status", () => {
    const d = deployment({
      labels: { "rollouts.kruise.io/stable-revision": "aaa" },
      annotations: {
        ...progressingAnnotation,
        "rollouts.kruise.io/deployment-extra-status": '{"updatedReadyReplicas":2}',
      },
    });
    const w = partitionDeploymentState(d, [
      replicaSet("demo-aaa", "v1", 2, 2),
      replicaSet("demo-new", "v2", 2, 2, { revision: 2 }),
    ]);
    expect(w.revisions).toMatchObject({ stableRevision: "aaa", podTemplateHash: "new", isInRollback: false });
    expect(w.status).toMatchObject({ stableRevision: "aaa", updatedReadyReplicas: 2 });
  });

  it("detects a rollback when the new ReplicaSet is the stable one", () => {
    const d = deployment({
      template: template("v1"),
      labels: { "rollouts.kruise.io/stable-revision": "aaa" },
      annotations: progressingAnnotation,
    });
    expect(partitionDeploymentState(d, [replicaSet("demo-aaa", "v1", 4, 4)]).revisions.isInRollback).toBe(
      true,
    );
  });
});

describe("StatefulSet adapter (getStatefulSetLikeWorkload)", () => {
  it("uses current/update revisions and the controller-revision-hash key", () => {
    const w = statefulSetState(statefulSet({ updated: 1, updatedReady: 1 }), []);
    expect(w.revisions).toMatchObject({
      stableRevision: "demo-v1",
      canaryRevision: "demo-v2",
      podTemplateHash: "demo-v2",
      revisionLabelKey: "controller-revision-hash",
    });
    expect(w.status.updatedReadyReplicas).toBe(1);
  });

  it("counts updated ready owned pods when the status lacks updatedReadyReplicas", () => {
    const pods = [
      pod("a", { "controller-revision-hash": "v2" }, "sts-uid"),
      pod("b", { "controller-revision-hash": "v2" }, "sts-uid", false),
      pod("c", { "controller-revision-hash": "v2" }, "other-uid"),
      pod("d", { "controller-revision-hash": "v1" }, "sts-uid"),
    ];
    expect(statefulSetState(statefulSet({ updated: 2 }), pods).status.updatedReadyReplicas).toBe(1);
  });

  it("detects a rollback for native and Advanced StatefulSets", () => {
    for (const apiVersion of ["apps/v1", "apps.kruise.io/v1beta1"]) {
      const sts = { ...statefulSet({ updated: 1 }), apiVersion };
      sts.status = { ...sts.status, currentRevision: "demo-v1", updateRevision: "demo-v1" };
      const w = statefulSetState(sts, []);
      expect(w.revisions.isInRollback).toBe(true);
      expect(w.target.apiVersion).toBe(apiVersion);
    }
  });
});
