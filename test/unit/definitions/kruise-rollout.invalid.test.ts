import { describe, expect, it } from "vitest";
import { baseContext, deploymentOutput } from "./components.js";
import { renderTrait } from "./trait.js";

const render = (parameter: unknown) =>
  renderTrait("kruise-rollout", { context: { ...baseContext, output: deploymentOutput }, parameter });

describe("kruise-rollout trait: invalid parameters", () => {
  it("fails with CUE's message for an unknown traffic type", async () => {
    // cue-wasm returns only the first of CUE's errors ("... (and N more errors)").
    await expect(
      render({ canary: { steps: [{ weight: 20 }], trafficRoutings: [{ type: "traefik" }] } }),
    ).rejects.toThrow(/^template\._routings: \d+ errors in empty disjunction/);
  });

  it("fails with CUE's message for a weight above 100", async () => {
    await expect(render({ canary: { steps: [{ weight: 120 }] } })).rejects.toThrow(
      /invalid value 120 \(out of bound <=100\)/,
    );
  });

  it("fails with CUE's message for a field the trait does not have", async () => {
    await expect(render({ canary: { steps: [{ weight: 20, pause: {} }] } })).rejects.toThrow(
      /field not allowed: pause/,
    );
  });

  it("reports, through errs, what the schema cannot express", async () => {
    const { errs } = await render({
      canary: {
        steps: [{ duration: 10 }, { weight: 20, matches: [{ cookie: "beta" }] }],
        trafficRoutings: [{ type: "custom" }, { type: "nginx" }],
      },
    });
    expect(errs).toEqual([
      "canary.steps[0]: set weight or replicas",
      "canary.trafficRoutings[0]: type custom needs customNetworkRefs",
      "canary.trafficRoutings: a Rollout supports one traffic routing",
    ]);
    const noRouting = await render({ canary: { steps: [{ weight: 20, matches: [{ cookie: "beta" }] }] } });
    expect(noRouting.errs).toEqual(["canary.steps[0].matches need canary.trafficRoutings"]);
  });
});
