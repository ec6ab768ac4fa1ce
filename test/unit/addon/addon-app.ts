import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { evaluate, repoRoot } from "../definitions/cue.js";

export const addonDir = join(repoRoot, "addon");
const read = (file: string): string => readFileSync(join(addonDir, file), "utf8");
const withoutPackage = (source: string): string => source.replace(/^package main\n/m, "");

export type KubeObject = Record<string, unknown> & {
  kind: string;
  metadata: { name: string; namespace?: string };
};

/**
 * Renders the addon Application the way `vela addon enable` does (pkg/addon/render.go): parameter.cue,
 * `context.metadata`, the user's `parameter`, template.cue and resources/*.cue as one CUE package.
 * cue-wasm compiles a single string, so the files are joined without their `package main` lines.
 */
export async function renderAddonApp(parameter: Record<string, unknown>): Promise<{
  objects: KubeObject[];
  policies: unknown[];
  components: { name: string; dependsOn?: string[]; properties: { objects: KubeObject[] } }[];
}> {
  const source = [
    read("parameter.cue"),
    `context: ${JSON.stringify({ metadata: parse(read("metadata.yaml")) })}`,
    `parameter: ${JSON.stringify(parameter)}`,
    withoutPackage(read("template.cue")),
    withoutPackage(read("resources/controller.cue")),
    withoutPackage(read("resources/crds.cue")),
    // Only `output` is exported: the rest holds hidden fields and the parameter schema.
  ].join("\n");
  const value = await evaluate(`_addon: {\n${source}\n}\noutput: _addon.output\n`);
  const app = value.output as {
    spec: {
      components: {
        name: string;
        type: string;
        dependsOn?: string[];
        properties: { objects: KubeObject[] };
      }[];
      policies?: unknown[];
    };
  };
  const { components } = app.spec;
  if (components.some((c) => c.type !== "k8s-objects")) throw new Error("expected k8s-objects components");
  // Every object, in the order vela-core applies them (components in dependsOn order, as listed).
  const objects = components.flatMap((c) => c.properties.objects);
  return { objects, policies: app.spec.policies ?? [], components };
}

export const byKind = (objects: KubeObject[], kind: string): KubeObject[] =>
  objects.filter((o) => o.kind === kind);
