import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Component } from "./components.js";

export interface Started {
  name: Component["name"];
  pid: number;
  binary: string;
}

const pidFile = (dir: string) => join(dir, "pids.json");

export function readStarted(dir: string): Started[] {
  if (!existsSync(pidFile(dir))) return [];
  return JSON.parse(readFileSync(pidFile(dir), "utf8")) as Started[];
}

export function writeStarted(dir: string, started: Started[]): void {
  writeFileSync(pidFile(dir), JSON.stringify(started, null, 2));
}

/**
 * Whether the pid still runs the binary we started. Checking the executable guards
 * against killing an unrelated process that reused the pid after a reboot.
 */
export function isRunning(p: Started): boolean {
  try {
    const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, "utf8");
    return cmdline.split("\0")[0] === p.binary;
  } catch {
    return false;
  }
}

/** Starts a component detached, in its own process group, logging to <dir>/logs. */
export function start(dir: string, component: Component): Started {
  mkdirSync(join(dir, "logs"), { recursive: true });
  const log = openSync(join(dir, "logs", `${component.name}.log`), "a");
  const child = spawn(component.binary, component.args, {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, NO_PROXY: "127.0.0.1,localhost" },
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`${component.name} did not start`);
  return { name: component.name, pid: child.pid, binary: component.binary };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** SIGTERM, then SIGKILL after a grace period. Resolves once the process is gone. */
export async function stop(p: Started, graceMs = 5000): Promise<void> {
  if (!isRunning(p)) return;
  process.kill(p.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(p)) return;
    await sleep(100);
  }
  if (isRunning(p)) process.kill(p.pid, "SIGKILL");
  while (isRunning(p)) await sleep(50);
}
