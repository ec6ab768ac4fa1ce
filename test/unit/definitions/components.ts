import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { evaluate, repoRoot } from "./cue.js";

/** The context vela-core sets for a component named `canary-demo` of app `canary-app`. */
export const baseContext = {
  name: "canary-demo",
  namespace: "default",
  appName: "canary-app",
  appRevision: "canary-app-v1",
  appRevisionNum: 1,
  components: [],
};

/**
 * What KubeVela's built-in `webservice` renders as `context.output` (evaluated from the real definition
 * in ../shared/kubevela-definitions, not a hand-written copy): a Deployment without metadata.name.
 */
export async function webserviceOutput(
  properties: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const definition = parse(
    readFileSync(join(repoRoot, "..", "shared", "kubevela-definitions", "webservice.yaml"), "utf8"),
  ) as {
    spec: { schematic: { cue: { template: string } } };
  };
  const value = await evaluate(`${definition.spec.schematic.cue.template}
context: ${JSON.stringify(baseContext)}
parameter: ${JSON.stringify(properties)}
`);
  return value.output as Record<string, unknown>;
}

/** The fluxcd addon's `helm` component renders a HelmRelease named after the component. */
export function helmReleaseOutput(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2beta1",
    kind: "HelmRelease",
    metadata: { name: baseContext.name },
    spec: { chart: { spec: { chart: "podinfo", version: "6.5.0" } }, ...spec },
  };
}

/** fluxcd addons before 2.x rendered the HelmRepository as the component's main output. */
export function helmRepositoryOutput(): Record<string, unknown> {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1beta2",
    kind: "HelmRepository",
    metadata: { name: baseContext.name },
    spec: { url: "https://stefanprodan.github.io/podinfo" },
  };
}

export const deploymentOutput = { apiVersion: "apps/v1", kind: "Deployment", spec: {} };
