import { describe, expect, it } from "vitest";
import { evaluate, readDefinition } from "./cue.js";

/**
 * canary-deploy imports "vela/op", a package only vela-core's workflow engine provides, so plain CUE
 * (cue-wasm) cannot load it. The test swaps the import for a stub with the fields of vela's legacy
 * op.#Deploy (kubevela pkg/workflow/providers/legacy/multicluster) and checks what the step asks
 * vela to deploy; the deploy action itself is exercised only end to end.
 */
const opStub = `op: #Deploy: {
	#provider: "op"
	#do:       "deploy"
	policies?: [...string]
	parallelism:              int
	ignoreTerraformComponent: bool
	inlinePolicies: *[] | [...{...}]
}`;

async function renderStep(parameter: unknown): Promise<Record<string, unknown>> {
  const definition = readDefinition("canary-deploy");
  const withoutImport = definition.replace(/^import \(\s*"vela\/op"\s*\)\n/, "");
  expect(withoutImport).not.toEqual(definition);
  const value = await evaluate(
    `${opStub}\n${withoutImport}\ntemplate: parameter: ${JSON.stringify(parameter)}\n`,
  );
  return (value.template as { deploy: Record<string, unknown> }).deploy;
}

describe("canary-deploy workflow step", () => {
  it("deploys with a rolling-release batch of the given weight as an inline override", async () => {
    expect(await renderStep({ weight: 50 })).toEqual({
      parallelism: 5,
      ignoreTerraformComponent: true,
      inlinePolicies: [
        {
          type: "override",
          name: "canary",
          properties: {
            components: [
              {
                traits: [
                  {
                    type: "rolling-release",
                    properties: { weight: 50, rolloutType: "partition", final: false },
                  },
                ],
              },
            ],
          },
        },
      ],
    });
  });

  it("passes components, policies, the traffic type and the last batch on", async () => {
    const deploy = await renderStep({
      weight: 100,
      components: ["canary-demo"],
      policies: ["topology-local"],
      trafficRoutingType: "nginx",
    });
    expect(deploy.policies).toEqual(["topology-local"]);
    expect(deploy.inlinePolicies).toEqual([
      {
        type: "override",
        name: "canary",
        properties: {
          selector: ["canary-demo"],
          components: [
            {
              traits: [
                {
                  type: "rolling-release",
                  properties: {
                    weight: 100,
                    rolloutType: "partition",
                    final: true,
                    trafficRoutings: [{ type: "nginx" }],
                  },
                },
              ],
            },
          ],
        },
      },
    ]);
  });

  it("takes VelaUX's prepare-canary step as it generates it: weight 0, policies null", async () => {
    // packages/velaux-ui/src/pages/ApplicationWorkflowStudio/components/CanarySetting: the deploy
    // step's policies are copied, null when it had none. rolling-release turns weight 0 into a paused
    // Rollout (test/unit/definitions/rolling-release.test.ts).
    const deploy = await renderStep({ weight: 0, policies: null });
    expect(deploy.policies).toBeUndefined();
    expect(deploy.inlinePolicies).toEqual([
      {
        type: "override",
        name: "canary",
        properties: {
          components: [
            {
              traits: [
                {
                  type: "rolling-release",
                  properties: { weight: 0, rolloutType: "partition", final: false },
                },
              ],
            },
          ],
        },
      },
    ]);
  });
});
