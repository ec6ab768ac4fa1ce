import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildAddon } from "./addon/build.js";

// `npm run build:addon`: regenerates addon/ from metadata.yaml, definitions/, templates/ and src/api/crds.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { crdFiles } = buildAddon(repoRoot, join(repoRoot, "addon"));
console.log(
  crdFiles.length > 0
    ? `addon/ built with ${crdFiles.length} CRD file(s): ${crdFiles.join(", ")}`
    : "addon/ built without CRDs: src/api/crds does not exist yet",
);
