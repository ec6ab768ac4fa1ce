// A real Prometheus (Debian's package) on 127.0.0.1 scraping an exporter the test controls, for
// test/integration/analysis.test.ts. Installed on first use, as CI runs on fresh machines; run
// with a temporary config and data directory; stopped by the test.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./cluster.js";

function hasPrometheus(): boolean {
  try {
    execFileSync("prometheus", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Installs Debian's prometheus package when the binary is missing (the machines run as root). */
export function ensurePrometheus(): void {
  if (hasPrometheus()) return;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: "ignore", env, timeout: 300_000 });
  // The package's service is not started: policy-rc.d or the missing init system refuses it.
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "prometheus"], {
    stdio: "ignore",
    env,
    timeout: 600_000,
  });
}

/** Serves `demo_error_ratio{scenario="…"}` gauges; a scenario that is not set has no series at all. */
export class Exporter {
  private readonly values = new Map<string, number>();
  private readonly server: Server;

  constructor(readonly port: number) {
    this.server = createServer((_req, res) => {
      const lines = ["# TYPE demo_error_ratio gauge"];
      for (const [scenario, v] of this.values) lines.push(`demo_error_ratio{scenario="${scenario}"} ${v}`);
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(`${lines.join("\n")}\n`);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
  }

  set(scenario: string, value: number): void {
    this.values.set(scenario, value);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

export async function startPrometheus(port: number, target: string): Promise<RunningPrometheus> {
  ensurePrometheus();
  const dir = mkdtempSync(join(tmpdir(), "krt-prometheus-"));
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: exporter",
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  const log = openSync(join(dir, "prometheus.log"), "a");
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", log, log] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    `Prometheus ready on ${url} (log in ${dir})`,
    async () => child.exitCode === null && (await fetch(`${url}/-/ready`)).ok,
    60_000,
    250,
  );
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until Prometheus has scraped `scenario` at least once. */
export async function scraped(url: string, scenario: string): Promise<void> {
  await eventually(`demo_error_ratio{scenario="${scenario}"} scraped`, async () => {
    const q = encodeURIComponent(`demo_error_ratio{scenario="${scenario}"}`);
    const body = (await (await fetch(`${url}/api/v1/query?query=${q}`)).json()) as {
      data?: { result?: unknown[] };
    };
    return (body.data?.result?.length ?? 0) > 0;
  });
}
