import { describe, expect, it } from "vitest";
import { baseContext, helmReleaseOutput, helmRepositoryOutput, webserviceOutput } from "./components.js";
import { expectValidRollout } from "./schema.js";
import { renderTrait } from "./trait.js";

const parameter = { canary: { steps: [{ weight: 50 }] } };
const rolloutOf = async (context: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const render = await renderTrait("kruise-rollout", {
    context: { ...baseContext, ...context },
    parameter: { ...parameter, ...extra },
  });
  expectValidRollout(render.outputs.rollout as Record<string, unknown>);
  return { render, spec: (render.outputs.rollout as { spec: Record<string, unknown> }).spec };
};

describe("kruise-rollout trait: workloads", () => {
  it("a Helm component releases the chart's Deployment, not the HelmRelease", async () => {
    const { spec, render } = await rolloutOf({ output: helmReleaseOutput() });
    expect(spec.objectRef).toEqual({
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "canary-demo" },
    });
    // The HelmRelease is not the workload: nothing is patched onto it.
    expect(render.patch).toBeUndefined();
  });

  it("a Helm release name, or workloadName, names the chart's Deployment", async () => {
    const byRelease = await rolloutOf({ output: helmReleaseOutput({ releaseName: "podinfo" }) });
    expect(byRelease.spec.objectRef).toEqual({
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo" },
    });
    const byParameter = await rolloutOf(
      { output: helmReleaseOutput({ releaseName: "podinfo" }) },
      { workloadName: "podinfo-web", workloadType: { apiVersion: "apps/v1", kind: "StatefulSet" } },
    );
    expect(byParameter.spec.objectRef).toEqual({
      workloadRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "podinfo-web" },
    });
  });

  it("the older fluxcd shape (HelmRepository as main output) is recognised as Helm too", async () => {
    const { spec } = await rolloutOf({ output: helmRepositoryOutput() });
    expect(spec.objectRef).toEqual({
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "canary-demo" },
    });
  });

  it("rolloutID defaults to the publishVersion and labels the workload for batch labels", async () => {
    const output = await webserviceOutput({ image: "barnett/canarydemo:v2" });
    const { spec, render } = await rolloutOf({ output, publishVersion: "v2" });
    expect(spec.rolloutID).toBe("v2");
    expect(render.patch).toEqual({ metadata: { labels: { "rollouts.kruise.io/rollout-id": "v2" } } });
  });

  it("an explicit rolloutID and failureThreshold are rendered", async () => {
    const output = await webserviceOutput({ image: "barnett/canarydemo:v2" });
    const { spec } = await rolloutOf(
      { output, publishVersion: "v2" },
      { rolloutID: "webserver-20220728120533", failureThreshold: "20%" },
    );
    expect(spec.rolloutID).toBe("webserver-20220728120533");
    expect((spec.strategy as { canary: { failureThreshold: string } }).canary.failureThreshold).toBe("20%");
  });
});
