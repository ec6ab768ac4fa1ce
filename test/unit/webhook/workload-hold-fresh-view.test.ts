import { describe, expect, it } from "vitest";
import type { AdmissionRequest } from "../../../src/webhook/review.js";
import {
  type HoldContext,
  holdWorkload,
  type RolloutSummary,
  viewMayBeBehind,
} from "../../../src/webhook/workload-hold.js";

// When the cached view shows nothing to hold, the webhook decides again on a fresh read; this is
// the pure test of "when". A replica whose informers lag must not let a release through unheld.

const rollout = (kind: string, apiVersion: string, name = "web"): RolloutSummary => ({
  name: "ro",
  workloadRef: { apiVersion, kind, name },
  deleting: false,
  hasStrategy: true,
  hasTrafficRouting: false,
});

const replicaSet = { name: "web-1", replicas: 4, ownerUid: "d-uid", podTemplateHash: "1" };

function workload(kind: string, image: string, extra: { replicas?: number; annotations?: object } = {}) {
  return {
    kind,
    metadata: { name: "web", namespace: "ns", uid: "d-uid", annotations: extra.annotations ?? {} },
    spec: {
      replicas: extra.replicas ?? 4,
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ image }] } },
    },
  };
}

function update(group: string, kind: string, oldObj: unknown, newObj: unknown): AdmissionRequest {
  return {
    uid: "u",
    kind: { group, version: group === "apps" ? "v1" : "v1alpha1", kind },
    resource: { group, version: "v1", resource: `${kind.toLowerCase()}s` },
    operation: "UPDATE",
    object: newObj,
    oldObject: oldObj,
  };
}

const full: HoldContext = { rollouts: [rollout("Deployment", "apps/v1")], replicaSets: [replicaSet] };
const newRelease = update("apps", "Deployment", workload("Deployment", "v1"), workload("Deployment", "v2"));

describe("hold: when the cached view may be behind", () => {
  it("a new template, and the view has the Rollout and the ReplicaSet: decide from the view", () => {
    expect(viewMayBeBehind(newRelease, full)).toBe(false);
    expect(holdWorkload(newRelease, full).patch).toBeDefined();
  });

  it("a new template, and the view lacks the Rollout: read afresh (the cached decision holds nothing)", () => {
    const stale: HoldContext = { rollouts: [], replicaSets: [replicaSet] };
    expect(holdWorkload(newRelease, stale).patch).toBeUndefined();
    expect(viewMayBeBehind(newRelease, stale)).toBe(true);
  });

  it("a new Deployment template, and the view lacks its ReplicaSets: read afresh", () => {
    const stale: HoldContext = { rollouts: full.rollouts, replicaSets: [] };
    expect(holdWorkload(newRelease, stale).patch).toBeUndefined();
    expect(viewMayBeBehind(newRelease, stale)).toBe(true);
    const scaledDown = { rollouts: full.rollouts, replicaSets: [{ ...replicaSet, replicas: 0 }] };
    expect(viewMayBeBehind(newRelease, scaledDown)).toBe(true);
    const someoneElses = { rollouts: full.rollouts, replicaSets: [{ ...replicaSet, ownerUid: "x" }] };
    expect(viewMayBeBehind(newRelease, someoneElses)).toBe(true);
  });

  it("no effective change: nothing to read, whatever the view", () => {
    const same = update("apps", "Deployment", workload("Deployment", "v1"), workload("Deployment", "v1"));
    expect(viewMayBeBehind(same, { rollouts: [], replicaSets: [] })).toBe(false);
  });

  it("a Deployment or StatefulSet at zero replicas or already in a release decides from itself", () => {
    const empty: HoldContext = { rollouts: [], replicaSets: [] };
    const zero = update(
      "apps",
      "Deployment",
      workload("Deployment", "v1"),
      workload("Deployment", "v2", { replicas: 0 }),
    );
    expect(viewMayBeBehind(zero, empty)).toBe(false);
    const held = { annotations: { "rollouts.kruise.io/in-progressing": '{"rolloutName":"ro"}' } };
    const inRelease = update(
      "apps",
      "StatefulSet",
      workload("StatefulSet", "v1", held),
      workload("StatefulSet", "v2", held),
    );
    expect(viewMayBeBehind(inRelease, empty)).toBe(false);
  });

  it("CloneSets and DaemonSets need only their Rollout", () => {
    const cloneSet = update(
      "apps.kruise.io",
      "CloneSet",
      workload("CloneSet", "v1"),
      workload("CloneSet", "v2"),
    );
    expect(
      viewMayBeBehind(cloneSet, {
        rollouts: [rollout("CloneSet", "apps.kruise.io/v1alpha1")],
        replicaSets: [],
      }),
    ).toBe(false);
    expect(viewMayBeBehind(cloneSet, { rollouts: [], replicaSets: [] })).toBe(true);
    const daemonSet = update("apps", "DaemonSet", workload("DaemonSet", "v1"), workload("DaemonSet", "v2"));
    expect(viewMayBeBehind(daemonSet, { rollouts: [rollout("DaemonSet", "apps/v1")], replicaSets: [] })).toBe(
      false,
    );
    expect(
      viewMayBeBehind(daemonSet, { rollouts: [rollout("Deployment", "apps/v1")], replicaSets: [] }),
    ).toBe(true);
  });

  it("not an UPDATE of the object itself: never", () => {
    const empty: HoldContext = { rollouts: [], replicaSets: [] };
    expect(viewMayBeBehind({ ...newRelease, operation: "CREATE" }, empty)).toBe(false);
    expect(viewMayBeBehind({ ...newRelease, subResource: "status" }, empty)).toBe(false);
  });
});
