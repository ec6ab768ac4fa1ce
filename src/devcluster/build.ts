import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { binaries, cacheRoot } from "./paths.js";
import { versions } from "./versions.js";

const script = join(dirname(fileURLToPath(import.meta.url)), "build-binaries.sh");

export function missingBinaries(): string[] {
  return Object.values(binaries).filter((path) => !existsSync(path));
}

/**
 * Builds whatever binary is missing from the cache with the go command. The script
 * prints its own progress lines, which we pass through so a cold build (tens of
 * minutes on two cores) visibly moves.
 */
export async function ensureBinaries(): Promise<void> {
  if (missingBinaries().length === 0) return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", [script, "all"], {
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        KRT_CACHE: cacheRoot,
        K8S_VERSION: versions.kubernetes,
        ETCD_VERSION: versions.etcd,
        KWOK_VERSION: versions.kwok,
      },
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`building the control-plane binaries failed (exit ${code})`)),
    );
  });
  const still = missingBinaries();
  if (still.length > 0) throw new Error(`binaries still missing after the build: ${still.join(", ")}`);
}
