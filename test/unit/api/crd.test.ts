import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { batchReleaseCrd, buildCrds, rolloutCrd, trafficRoutingCrd } from "../../../src/api/crd.js";
import { CRDS_DIR, renderCrdFiles } from "../../../src/api/crd-files.js";
import { fieldTypes, repoRoot, type Schema, upstreamCrd } from "./upstream.js";

const pairs = [
  { ours: rolloutCrd(), file: "rollouts.kruise.io_rollouts.yaml" },
  { ours: batchReleaseCrd(), file: "rollouts.kruise.io_batchreleases.yaml" },
  { ours: trafficRoutingCrd(), file: "rollouts.kruise.io_trafficroutings.yaml" },
];

// Kubernetes' structural-schema rules that zod's output would otherwise break.
function structuralProblems(node: Schema, path: string): string[] {
  const problems: string[] = [];
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  if (!intOrString && node.type === undefined && !node["x-kubernetes-preserve-unknown-fields"]) {
    problems.push(`${path}: no type`);
  }
  if (node.anyOf && !intOrString) problems.push(`${path}: anyOf outside int-or-string`);
  for (const key of ["$schema", "$ref", "oneOf", "allOf", "propertyNames", "const"]) {
    if (key in node) problems.push(`${path}: ${key}`);
  }
  if (node.additionalProperties === false) problems.push(`${path}: additionalProperties false`);
  if (node.additionalProperties !== undefined && node.properties)
    problems.push(`${path}: properties + additionalProperties`);
  for (const [k, v] of Object.entries((node.properties as Record<string, Schema>) ?? {})) {
    problems.push(...structuralProblems(v, `${path}.${k}`));
  }
  if (node.items) problems.push(...structuralProblems(node.items as Schema, `${path}[]`));
  if (typeof node.additionalProperties === "object") {
    problems.push(...structuralProblems(node.additionalProperties as Schema, `${path}{}`));
  }
  return problems;
}

describe("generated CRDs", () => {
  it.each(pairs)("$file has upstream's names, versions and storage version", ({ ours, file }) => {
    const up = upstreamCrd(file);
    expect(ours.metadata.name).toBe(up.metadata.name);
    expect(ours.spec.names).toEqual(up.spec.names);
    expect(ours.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual(
      up.spec.versions.map((v) => [v.name, v.served, v.storage]),
    );
    for (const v of ours.spec.versions) expect(v.subresources).toEqual({ status: {} });
  });

  it.each(pairs)("$file has exactly upstream's printer columns", ({ ours, file }) => {
    const up = upstreamCrd(file);
    for (const [i, v] of ours.spec.versions.entries()) {
      expect(v.additionalPrinterColumns).toEqual(up.spec.versions[i]?.additionalPrinterColumns);
    }
  });

  it.each(pairs)("$file: every upstream field path exists in ours with the same type", ({ ours, file }) => {
    const up = upstreamCrd(file);
    for (const v of up.spec.versions) {
      const mine = ours.spec.versions.find((o) => o.name === v.name);
      expect(mine, v.name).toBeDefined();
      const ourFields = fieldTypes(mine?.schema.openAPIV3Schema ?? {});
      const missing = [...fieldTypes(v.schema.openAPIV3Schema)].filter(([p, t]) => ourFields.get(p) !== t);
      expect(missing, `${v.name}: missing or differently typed`).toEqual([]);
    }
  });

  it.each(pairs)("$file keeps upstream's defaults", ({ ours, file }) => {
    const defaults = (s: Schema, p = ""): string[] => [
      ...(s.default !== undefined ? [`${p}=${JSON.stringify(s.default)}`] : []),
      ...Object.entries((s.properties as Record<string, Schema>) ?? {}).flatMap(([k, c]) =>
        defaults(c, `${p}.${k}`),
      ),
      ...(s.items ? defaults(s.items as Schema, `${p}[]`) : []),
    ];
    const up = upstreamCrd(file);
    for (const v of up.spec.versions) {
      const mine = ours.spec.versions.find((o) => o.name === v.name)?.schema.openAPIV3Schema ?? {};
      expect(defaults(mine)).toEqual(expect.arrayContaining(defaults(v.schema.openAPIV3Schema)));
    }
  });

  it.each(pairs)("$file is a structural schema", ({ ours }) => {
    for (const v of ours.spec.versions) {
      const schema = v.schema.openAPIV3Schema;
      expect(structuralProblems(schema, v.name)).toEqual([]);
      expect((schema.properties as Record<string, Schema>).metadata).toEqual({ type: "object" });
    }
  });

  it("writes int-or-string and integer widths as controller-gen does", () => {
    const at = (node: Schema | undefined, ...path: string[]): Schema =>
      path.reduce<Schema>((n, k) => (n.properties as Record<string, Schema>)[k] ?? {}, node ?? {});
    const root = rolloutCrd().spec.versions[1]?.schema.openAPIV3Schema;
    const props = at(root, "spec", "strategy", "canary").properties as Record<string, Schema>;
    expect(props.failureThreshold).toEqual({
      "x-kubernetes-int-or-string": true,
      anyOf: [{ type: "integer" }, { type: "string" }],
    });
    const status = at(root, "status").properties as Record<string, Schema>;
    expect(status.currentStepIndex).toEqual({ type: "integer", format: "int32" });
    expect(status.observedGeneration).toEqual({ type: "integer", format: "int64" });
  });

  it("carries the CEL rules on v1beta1 only", () => {
    const [alpha, beta] = rolloutCrd().spec.versions;
    const rules = (v: unknown) => JSON.stringify(v).match(/x-kubernetes-validations/g)?.length ?? 0;
    expect(rules(alpha)).toBe(0);
    const strategy = JSON.stringify(beta);
    expect(strategy).toContain("Canary and BlueGreen cannot both be set");
    expect(strategy).toContain("TrafficRouting.Gateway must set the name of HTTPRoute or HTTPsRoute");
  });

  it("points multi-version kinds at the conversion webhook given at install time", () => {
    const withUrl = buildCrds({ url: "https://127.0.0.1:9876/convert", caBundle: "Q0E=" });
    const [rollout, batchRelease, trafficRouting] = withUrl;
    for (const crd of [rollout, batchRelease]) {
      expect(crd?.spec.conversion).toEqual({
        strategy: "Webhook",
        webhook: {
          clientConfig: { url: "https://127.0.0.1:9876/convert", caBundle: "Q0E=" },
          conversionReviewVersions: ["v1", "v1beta1"],
        },
      });
    }
    expect(trafficRouting?.spec.conversion).toBeUndefined();
    expect(rolloutCrd().spec.conversion?.webhook.clientConfig).toEqual({
      service: {
        namespace: "kruise-rollout",
        name: "kruise-rollout-webhook-service",
        path: "/convert",
        port: 443,
      },
    });
  });

  it("src/api/crds is up to date (run `npm run build:crds`)", () => {
    const expected = renderCrdFiles();
    const dir = join(repoRoot, CRDS_DIR);
    expect(readdirSync(dir).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected))
      expect(readFileSync(join(dir, name), "utf8"), name).toBe(text);
  });
});
