import { describe, expect, it } from "vitest";
import { baseContext, webserviceOutput } from "./components.js";
import { expectValidRollout } from "./schema.js";
import { renderTrait } from "./trait.js";

// The seed's KubeVela example: a webservice component with the kruise-rollout trait, one 20% step
// waiting for approval, nginx traffic.
describe("kruise-rollout trait: the seed's KubeVela example", () => {
  it("renders exactly the expected v1alpha1 Rollout", async () => {
    const output = await webserviceOutput({ image: "barnett/canarydemo:v1" });
    const render = await renderTrait("kruise-rollout", {
      context: { ...baseContext, output },
      parameter: { canary: { steps: [{ weight: 20 }], trafficRoutings: [{ type: "nginx" }] } },
    });

    expect(render.outputs.rollout).toEqual({
      apiVersion: "rollouts.kruise.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "canary-demo", namespace: "default" },
      spec: {
        objectRef: { workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "canary-demo" } },
        strategy: {
          canary: {
            steps: [{ weight: 20, pause: {} }],
            trafficRoutings: [
              {
                service: "canary-demo",
                gracePeriodSeconds: 5,
                ingress: { name: "canary-demo", classType: "nginx" },
              },
            ],
          },
        },
      },
    });
    expect(render.errs).toEqual([]);
    expect(render.patch).toBeUndefined();
  });

  it("passes our v1alpha1 schema without losing a field", async () => {
    const output = await webserviceOutput({ image: "barnett/canarydemo:v1" });
    const { outputs } = await renderTrait("kruise-rollout", {
      context: { ...baseContext, output },
      parameter: { canary: { steps: [{ weight: 20 }], trafficRoutings: [{ type: "nginx" }] } },
    });
    expectValidRollout(outputs.rollout);
  });
});
