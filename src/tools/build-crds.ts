// `npm run build:crds`: regenerates src/api/crds/*.yaml from the zod schemas.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CRDS_DIR, renderCrdFiles } from "../api/crd-files.js";

const files = renderCrdFiles();
mkdirSync(CRDS_DIR, { recursive: true });
// Drop files of kinds that no longer exist, so the directory is exactly the generator's output.
for (const name of readdirSync(CRDS_DIR)) if (!(name in files)) rmSync(join(CRDS_DIR, name));
for (const [name, text] of Object.entries(files)) writeFileSync(join(CRDS_DIR, name), text);
console.log(`wrote ${Object.keys(files).length} CRDs to ${CRDS_DIR}`);
