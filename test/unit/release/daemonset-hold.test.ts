import { describe, expect, it } from "vitest";
import type { AdmissionRequest } from "../../../src/webhook/review.js";
import { holdWorkload, type RolloutSummary } from "../../../src/webhook/workload-hold.js";

const rollout = (apiVersion: string): RolloutSummary => ({
  name: "demo",
  workloadRef: { apiVersion, kind: "DaemonSet", name: "ds" },
  deleting: false,
  hasStrategy: true,
  hasTrafficRouting: false,
});

const ds = (apiVersion: string, image: string, extra: Record<string, unknown> = {}) => ({
  apiVersion,
  kind: "DaemonSet",
  metadata: {
    name: "ds",
    namespace: "ns",
    uid: "u",
    labels: { "rollouts.kruise.io/workload-type": "daemonset" },
  },
  spec: {
    template: { metadata: { labels: { app: "ds" } }, spec: { containers: [{ name: "c", image }] } },
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
    ...extra,
  },
});

function request(group: string, oldObj: unknown, newObj: unknown): AdmissionRequest {
  return {
    uid: "req",
    kind: { group, version: group === "apps" ? "v1" : "v1alpha1", kind: "DaemonSet" },
    operation: "UPDATE",
    namespace: "ns",
    object: newObj,
    oldObject: oldObj,
  } as AdmissionRequest;
}

describe("the workload hold for DaemonSets (spec §4.3)", () => {
  it("switches a native DaemonSet to OnDelete and remembers its strategy", () => {
    const d = holdWorkload(request("apps", ds("apps/v1", "v1"), ds("apps/v1", "v2")), {
      rollouts: [rollout("apps/v1")],
      replicaSets: [],
    });
    expect(d.patch).toEqual([
      {
        op: "add",
        path: "/metadata/annotations",
        value: { "rollouts.kruise.io/daemonset-original-update-strategy": "RollingUpdate" },
      },
      { op: "add", path: "/spec/updateStrategy/type", value: "OnDelete" },
      {
        op: "add",
        path: "/metadata/annotations/rollouts.kruise.io~1in-progressing",
        value: '{"rolloutName":"demo"}',
      },
    ]);
  });

  it("keeps the first original strategy when a second release arrives mid-flight", () => {
    const held = (image: string) => {
      const o = ds("apps/v1", image, { updateStrategy: { type: "OnDelete" } });
      return {
        ...o,
        metadata: {
          ...o.metadata,
          annotations: {
            "rollouts.kruise.io/daemonset-original-update-strategy": "RollingUpdate",
            "rollouts.kruise.io/in-progressing": '{"rolloutName":"demo"}',
          },
        },
      };
    };
    const d = holdWorkload(request("apps", held("v2"), held("v3")), {
      rollouts: [rollout("apps/v1")],
      replicaSets: [],
    });
    expect(d.patch).toBeUndefined();
  });

  it("partitions an Advanced DaemonSet at 32767", () => {
    const d = holdWorkload(
      request("apps.kruise.io", ds("apps.kruise.io/v1alpha1", "v1"), ds("apps.kruise.io/v1alpha1", "v2")),
      { rollouts: [rollout("apps.kruise.io/v1alpha1")], replicaSets: [] },
    );
    expect(d.patch).toEqual([
      { op: "add", path: "/spec/updateStrategy/rollingUpdate/partition", value: 32767 },
      {
        op: "add",
        path: "/metadata/annotations",
        value: { "rollouts.kruise.io/in-progressing": '{"rolloutName":"demo"}' },
      },
    ]);
  });

  it("lets through updates that change no template, or that no Rollout governs", () => {
    const ctx = { rollouts: [rollout("apps/v1")], replicaSets: [] };
    expect(
      holdWorkload(request("apps", ds("apps/v1", "v1"), ds("apps/v1", "v1")), ctx).patch,
    ).toBeUndefined();
    expect(
      holdWorkload(request("apps", ds("apps/v1", "v1"), ds("apps/v1", "v2")), {
        rollouts: [],
        replicaSets: [],
      }).patch,
    ).toBeUndefined();
    // A Rollout of the Advanced kind does not govern the native one of the same name.
    const other = { rollouts: [rollout("apps.kruise.io/v1alpha1")], replicaSets: [] };
    expect(
      holdWorkload(request("apps", ds("apps/v1", "v1"), ds("apps/v1", "v2")), other).patch,
    ).toBeUndefined();
  });
});
