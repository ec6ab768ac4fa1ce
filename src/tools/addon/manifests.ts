import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { createHandlebars, type ParamMode, renderTemplate } from "./handlebars-env.js";
import { addonNames } from "./names.js";

export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string } } & Record<
  string,
  unknown
>;

/** What a template can switch on; every flag is always set because templates compile in strict mode. */
export interface ManifestFlags {
  /** Rendering install.yaml (plain YAML) rather than the addon. */
  install: boolean;
  /** The controller runs in the cluster behind a Service (webhook mode "service"). */
  inCluster: boolean;
}

/** Renders templates/manifests/*.hbs, in file order, into Kubernetes objects. */
export function renderManifests(templatesDir: string, mode: ParamMode, flags: ManifestFlags): KubeObject[] {
  const hb = createHandlebars(templatesDir, mode);
  const dir = join(templatesDir, "manifests");
  const context = { ...addonNames, ...flags };
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml.hbs"))
    .sort()
    .flatMap((file) => parseObjects(renderTemplate(hb, join(dir, file), context), file));
}

function parseObjects(text: string, file: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
}
