import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildAddon } from "../../../src/tools/addon/build.js";
import { repoRoot } from "../definitions/cue.js";

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();

describe("addon/", () => {
  const fresh = mkdtempSync(join(tmpdir(), "addon-"));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it("is what `npm run build:addon` builds now (run it and commit the result if this fails)", () => {
    buildAddon(repoRoot, fresh);
    const committed = join(repoRoot, "addon");
    expect(listFiles(committed)).toEqual(listFiles(fresh));
    for (const file of listFiles(fresh)) {
      expect(readFileSync(join(committed, file), "utf8"), file).toBe(readFileSync(join(fresh, file), "utf8"));
    }
  });

  it("holds the addon files and install.yaml, which the vela CLI's prefix match never reads", () => {
    const addon = join(repoRoot, "addon");
    expect(readdirSync(addon).sort()).toEqual([
      "README.md",
      "definitions",
      "install.yaml",
      "metadata.yaml",
      "parameter.cue",
      "resources",
      "schemas",
      "template.cue",
    ]);
    // Every file's path must start with the pattern it is meant for, and install.yaml with none: a
    // root name that merely starts with a pattern (`schemas.json`, `template.cue.bak`) would be read.
    const intended = (file: string): string | undefined =>
      file === "install.yaml" ? undefined : file.includes("/") ? file.split("/")[0] : file;
    for (const file of listFiles(addon)) {
      expect(velaPattern(`addon/${file}`, "addon"), file).toBe(intended(file));
    }
  });
});

/**
 * The vela CLI v1.11.0 (pkg/addon/addon.go: Patterns, GetPatternFromItem) reads a local addon's file
 * only when `<dir name>/<relative path>` starts with `<dir name>/<pattern>`, first pattern first.
 */
const velaPatterns = [
  "config-templates",
  "README.md",
  "metadata.yaml",
  "template.yaml",
  "resources/parameter.cue",
  "resources",
  "definitions",
  "schemas",
  "views",
  "godef",
  "template.cue",
  "parameter.cue",
  "NOTES.cue",
  "readme.md",
];
function velaPattern(path: string, root: string): string | undefined {
  return velaPatterns.find((p) => path.startsWith(`${root}/${p}`));
}
