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

  it("holds only names the vela CLI reads, in a directory named after the addon", () => {
    const entries = readdirSync(join(repoRoot, "addon", "kruise-rollout")).sort();
    expect(entries).toEqual([
      "README.md",
      "definitions",
      "metadata.yaml",
      "parameter.cue",
      "resources",
      "schemas",
      "template.cue",
    ]);
  });
});
