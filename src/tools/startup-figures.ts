// `npm run startup-figures [-- --skip-build]`: measures what the README reports about
// the local control plane: the cold build of the binaries (empty binary and Go build
// caches), and the control plane's start time, cold (new PKI and data) and warm
// (existing data, processes stopped). Not a test: it only prints figures.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { defaultClusterOptions, down, up } from "../devcluster/cluster.js";

const quiet = { ...defaultClusterOptions, name: "figures", basePort: 18443, log: () => undefined };

function seconds(fromMs: number): string {
  return ((Date.now() - fromMs) / 1000).toFixed(1);
}

async function main(): Promise<void> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${execFileSync("go", ["version"], { encoding: "utf8" }).trim()}`;
  console.log(`machine: ${machine}`);
  if (!process.argv.includes("--skip-build")) {
    const scratch = mkdtempSync(join(tmpdir(), "krt-figures-"));
    const t0 = Date.now();
    const build = spawnSync("bash", ["src/devcluster/build-binaries.sh", "all"], {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        KRT_CACHE: scratch,
        GOCACHE: join(scratch, "gocache"),
        GOMODCACHE: join(scratch, "gomod"),
      },
    });
    console.log(`cold build of all binaries (empty module, build and binary caches): ${seconds(t0)} s`);
    execFileSync("chmod", ["-R", "u+w", scratch]);
    rmSync(scratch, { recursive: true, force: true });
    if (build.status !== 0) throw new Error("the cold build failed");
  }
  await down(quiet, true);
  let t = Date.now();
  await up(quiet);
  console.log(`control plane start, cold (new PKI, empty etcd, 5 nodes): ${seconds(t)} s`);
  await down(quiet, false);
  t = Date.now();
  await up(quiet);
  console.log(`control plane start, warm (existing data): ${seconds(t)} s`);
  await down(quiet, true);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
