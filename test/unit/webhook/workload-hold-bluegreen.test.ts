import { describe, expect, it } from "vitest";
import type { AdmissionRequest } from "../../../src/webhook/review.js";
import { holdWorkload } from "../../../src/webhook/workload-hold.js";

// The hold of a Deployment in a blue-green release (upstream handleDeployment, bluegreenStyle
// branch): the release unpauses it to surge, so only a new template is held.

const tpl = (image: string) => ({ metadata: { labels: { app: "demo" } }, spec: { containers: [{ image }] } });

function deployment(image: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "demo",
      namespace: "ns",
      uid: "d-uid",
      annotations: {
        "rollouts.kruise.io/in-progressing": '{"rolloutName":"ro"}',
        "rollouts.kruise.io/original-deployment-strategy": '{"maxUnavailable":0,"maxSurge":1}',
      },
    },
    spec: {
      replicas: 5,
      paused: false,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "50%", maxUnavailable: 0 } },
      template: tpl(image),
      ...spec,
    },
  };
}

function update(oldObj: unknown, newObj: unknown): AdmissionRequest {
  return {
    uid: "u",
    kind: { group: "apps", version: "v1", kind: "Deployment" },
    resource: { group: "apps", version: "v1", resource: "deployments" },
    operation: "UPDATE",
    object: newObj,
    oldObject: oldObj,
  } as AdmissionRequest;
}

const ctx = { rollouts: [], replicaSets: [] };

describe("workload hold: blue-green Deployment (spec §4.3)", () => {
  it("lets the release unpause and surge the Deployment", () => {
    const before = deployment("v2", { paused: true });
    expect(holdWorkload(update(before, deployment("v2")), ctx)).toEqual({ allowed: true });
  });

  it("pauses a new template (a rollback, or a version the Rollout will refuse)", () => {
    expect(holdWorkload(update(deployment("v2"), deployment("v1")), ctx)).toEqual({
      allowed: true,
      patch: [{ op: "add", path: "/spec/paused", value: true }],
    });
  });

  it("keeps the strategy a RollingUpdate", () => {
    const next = deployment("v2", { strategy: { type: "Recreate" } });
    expect(holdWorkload(update(deployment("v2"), next), ctx)).toEqual({
      allowed: true,
      patch: [{ op: "add", path: "/spec/strategy/type", value: "RollingUpdate" }],
    });
  });
});
