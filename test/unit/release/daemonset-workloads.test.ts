import { describe, expect, it } from "vitest";
import {
  advancedDaemonSetState,
  formatAdvancedControl,
  nativeDaemonSetState,
  ownedRevisions,
  parseAdvancedControl,
} from "../../../src/release/workloads/daemonset.js";
import { daemonSet, dsPod, revision, revisions } from "./daemonset-fixtures.js";

describe("native DaemonSet state (upstream getNativeDaemonSet)", () => {
  it("takes the newest owned ControllerRevision as canary and the one before as stable", () => {
    const s = nativeDaemonSetState(daemonSet({ updated: 1 }), revisions, []);
    expect(s.revisions).toMatchObject({
      canaryRevision: "h2",
      podTemplateHash: "h2",
      stableRevision: "h1",
      revisionLabelKey: "controller-revision-hash",
      inRolloutProgressing: true,
      isInRollback: false,
      consistent: true,
    });
    expect(s.status).toMatchObject({
      replicas: 4,
      updatedReplicas: 1,
      updateRevision: "h2",
      stableRevision: "h1",
    });
    expect(s.replicas).toBe(4);
  });

  it("orders by revision number, not by list order, and ignores other owners' revisions", () => {
    const list = [revision("h3", 3), revision("h1", 1), revision("h2", 2), revision("zz", 9, "x")];
    expect(ownedRevisions(daemonSet(), list).map((r) => r.revision)).toEqual([3, 2, 1]);
  });

  it("reads a single revision as both stable and canary, which upstream calls a rollback", () => {
    const s = nativeDaemonSetState(daemonSet(), [revision("h1", 1)], []);
    expect(s.revisions).toMatchObject({ canaryRevision: "h1", stableRevision: "h1", isInRollback: true });
  });

  it("reports no revisions outside a release, as upstream does", () => {
    const s = nativeDaemonSetState(daemonSet({ inProgressing: false }), revisions, []);
    expect(s.revisions).toMatchObject({ canaryRevision: "", stableRevision: "", isInRollback: false });
  });

  it("counts updated ready pods it owns (DaemonSets report none)", () => {
    const pods = [
      dsPod("a", "h2"),
      dsPod("b", "h2", { ready: false }),
      dsPod("c", "h1"),
      dsPod("d", "h2", { terminating: true }),
    ];
    expect(nativeDaemonSetState(daemonSet(), revisions, pods).status.updatedReadyReplicas).toBe(1);
  });

  it("is inconsistent until the DaemonSet controller has seen the spec", () => {
    const ds = daemonSet();
    ds.metadata.generation = 3;
    expect(nativeDaemonSetState(ds, revisions, []).revisions.consistent).toBe(false);
  });
});

describe("Advanced DaemonSet state (upstream getKruiseDaemonSet)", () => {
  it("uses status.daemonSetHash and desiredNumberScheduled, without stable revision or rollback", () => {
    const ds = daemonSet({ native: false, updated: 2 });
    const s = advancedDaemonSetState(ds, [dsPod("a", "h2"), dsPod("b", "h1")]);
    expect(s.target).toEqual({
      apiVersion: "apps.kruise.io/v1alpha1",
      kind: "DaemonSet",
      namespace: "ns",
      name: "demo",
    });
    expect(s.replicas).toBe(4);
    expect(s.status).toMatchObject({
      updatedReplicas: 2,
      updatedReadyReplicas: 1,
      updateRevision: "h2",
      stableRevision: "",
    });
    expect(s.revisions).toMatchObject({
      canaryRevision: "h2",
      podTemplateHash: "h2",
      stableRevision: "",
      revisionLabelKey: "pod-template-hash",
      isInRollback: false,
    });
  });

  it("takes the hash after the last dash of a full revision name", () => {
    const ds = daemonSet({ native: false });
    if (ds.status) ds.status.daemonSetHash = "demo-7f9c";
    expect(advancedDaemonSetState(ds, []).revisions.canaryRevision).toBe("7f9c");
  });
});

describe("the daemonset-advanced-control annotation", () => {
  it("round-trips and is written in upstream's field order", () => {
    const value = formatAdvancedControl({ partition: "3", batchRevision: "h2" });
    expect(value).toBe('{"partition":"3","batch-revision":"h2"}');
    expect(parseAdvancedControl({ "rollouts.kruise.io/daemonset-advanced-control": value })).toEqual({
      partition: "3",
      batchRevision: "h2",
    });
  });

  it("reads garbage or a missing annotation as no batch", () => {
    const none = { partition: "", batchRevision: "" };
    expect(parseAdvancedControl(undefined)).toEqual(none);
    expect(parseAdvancedControl({ "rollouts.kruise.io/daemonset-advanced-control": "{" })).toEqual(none);
    expect(
      parseAdvancedControl({ "rollouts.kruise.io/daemonset-advanced-control": '{"partition":3}' }),
    ).toEqual(none);
  });
});
