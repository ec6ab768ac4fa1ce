import { readFileSync } from "node:fs";
import { join } from "node:path";
import { init } from "cue-wasm";

/** Repository root, for reading the definitions and the built addon. */
export const repoRoot = join(import.meta.dirname, "..", "..", "..");

/**
 * Evaluates CUE with cue-wasm (CUE v0.4.3; KubeVela 1.10 uses v0.9.2, master v0.14.1) and returns the
 * exported value. Throws CUE's error message, so invalid-parameter tests can assert on it.
 */
export async function evaluate(source: string): Promise<Record<string, unknown>> {
  const cue = await init();
  return JSON.parse(cue.toJSON(source)) as Record<string, unknown>;
}

export function readDefinition(name: string): string {
  return readFileSync(join(repoRoot, "definitions", `${name}.cue`), "utf8");
}
