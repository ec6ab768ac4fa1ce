// Makes `npm test`, `npm run demo` and the cluster commands work as the first command
// after cloning: installs the npm dependencies when node_modules is missing or does
// not hold what the lockfile asks for. Uses only Node built-ins, because nothing else
// is installed yet. Compares contents, not timestamps: npm rewrites the lockfile after
// an install, and a needless `npm ci` would wipe node_modules under running processes.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const installed = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");

function satisfied() {
  if (!existsSync(installed)) return false;
  const want = JSON.parse(readFileSync(lock, "utf8")).packages ?? {};
  const have = JSON.parse(readFileSync(installed, "utf8")).packages ?? {};
  return Object.entries(want).every(
    ([path, entry]) => path === "" || entry.optional || have[path]?.version === entry.version,
  );
}

if (!satisfied()) {
  console.error("[setup] installing npm dependencies (npm ci)…");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
}
