import { describe, expect, it } from "vitest";
import type { AdmissionRequest } from "../../../src/webhook/review.js";
import { type HoldContext, holdWorkload, type RolloutSummary } from "../../../src/webhook/workload-hold.js";

const rollout = (kind: string, apiVersion: string, traffic = false): RolloutSummary => ({
  name: "ro",
  workloadRef: { apiVersion, kind, name: "demo" },
  deleting: false,
  hasStrategy: true,
  hasTrafficRouting: traffic,
});

const tpl = (image: string) => ({ metadata: { labels: { app: "demo" } }, spec: { containers: [{ image }] } });

function request(
  group: string,
  version: string,
  kind: string,
  oldObj: unknown,
  newObj: unknown,
): AdmissionRequest {
  return {
    uid: "u",
    kind: { group, version, kind },
    resource: { group, version, resource: `${kind.toLowerCase()}s` },
    operation: "UPDATE",
    object: newObj,
    oldObject: oldObj,
  };
}

function cloneSet(image: string, extra: Record<string, unknown> = {}, annotations?: Record<string, string>) {
  return {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "CloneSet",
    metadata: { name: "demo", namespace: "ns", uid: "cs-uid", ...(annotations ? { annotations } : {}) },
    spec: { replicas: 4, template: tpl(image), updateStrategy: { type: "InPlaceIfPossible" }, ...extra },
    status: { replicas: 4, updatedReplicas: 4 },
  };
}

const inProgress = {
  op: "add",
  path: "/metadata/annotations",
  value: { "rollouts.kruise.io/in-progressing": '{"rolloutName":"ro"}' },
};

describe("workload hold: CloneSet (spec §4.3)", () => {
  const ctx: HoldContext = { rollouts: [rollout("CloneSet", "apps.kruise.io/v1alpha1")], replicaSets: [] };
  const cases: {
    name: string;
    old: unknown;
    next: unknown;
    ctx?: HoldContext;
    want: unknown[] | undefined;
  }[] = [
    {
      name: "a new template sets partition 100% and in-progressing",
      old: cloneSet("v1"),
      next: cloneSet("v2"),
      want: [{ op: "add", path: "/spec/updateStrategy/partition", value: "100%" }, inProgress],
    },
    {
      name: "no update strategy: adds one",
      old: cloneSet("v1", { updateStrategy: undefined }),
      next: cloneSet("v2", { updateStrategy: undefined }),
      want: [{ op: "add", path: "/spec/updateStrategy", value: { partition: "100%" } }, inProgress],
    },
    { name: "same template: nothing", old: cloneSet("v1"), next: cloneSet("v1"), want: undefined },
    {
      name: "zero replicas: nothing",
      old: cloneSet("v1"),
      next: cloneSet("v2", { replicas: 0 }),
      want: undefined,
    },
    {
      name: "no Rollout: nothing",
      old: cloneSet("v1"),
      next: cloneSet("v2"),
      ctx: { rollouts: [], replicaSets: [] },
      want: undefined,
    },
    {
      name: "traffic routing with two versions of pods: nothing",
      old: cloneSet("v1"),
      next: { ...cloneSet("v2"), status: { replicas: 4, updatedReplicas: 2 } },
      ctx: { rollouts: [rollout("CloneSet", "apps.kruise.io/v1alpha1", true)], replicaSets: [] },
      want: undefined,
    },
    {
      name: "already in a release: held again on a new template",
      old: cloneSet(
        "v2",
        { updateStrategy: { partition: "50%" } },
        { "rollouts.kruise.io/in-progressing": '{"rolloutName":"ro"}' },
      ),
      next: cloneSet(
        "v3",
        { updateStrategy: { partition: "50%" } },
        { "rollouts.kruise.io/in-progressing": '{"rolloutName":"ro"}' },
      ),
      want: [{ op: "add", path: "/spec/updateStrategy/partition", value: "100%" }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = holdWorkload(request("apps.kruise.io", "v1alpha1", "CloneSet", c.old, c.next), c.ctx ?? ctx);
      expect(d).toEqual(c.want ? { allowed: true, patch: c.want } : { allowed: true });
    });
  }
});

describe("workload hold: Advanced StatefulSet (spec §4.3, §4.8)", () => {
  for (const version of ["v1beta1", "v1alpha1"]) {
    it(`apps.kruise.io/${version} StatefulSet gets partition 32767 and in-progressing`, () => {
      const sts = (image: string) => ({
        apiVersion: `apps.kruise.io/${version}`,
        kind: "StatefulSet",
        metadata: { name: "demo", namespace: "ns", uid: "sts-uid" },
        spec: {
          replicas: 3,
          template: tpl(image),
          updateStrategy: { type: "RollingUpdate", rollingUpdate: {} },
        },
      });
      const ctx = { rollouts: [rollout("StatefulSet", `apps.kruise.io/${version}`)], replicaSets: [] };
      const d = holdWorkload(request("apps.kruise.io", version, "StatefulSet", sts("v1"), sts("v2")), ctx);
      expect(d).toEqual({
        allowed: true,
        patch: [
          { op: "add", path: "/spec/updateStrategy/rollingUpdate/partition", value: 32767 },
          inProgress,
        ],
      });
    });
  }

  it("a Rollout for the native StatefulSet does not hold the Advanced one", () => {
    const sts = (image: string) => ({
      apiVersion: "apps.kruise.io/v1beta1",
      kind: "StatefulSet",
      metadata: { name: "demo", namespace: "ns", uid: "sts-uid" },
      spec: { replicas: 3, template: tpl(image) },
    });
    const ctx = { rollouts: [rollout("StatefulSet", "apps/v1")], replicaSets: [] };
    expect(
      holdWorkload(request("apps.kruise.io", "v1beta1", "StatefulSet", sts("v1"), sts("v2")), ctx),
    ).toEqual({
      allowed: true,
    });
  });
});
