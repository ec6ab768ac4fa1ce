// A sandboxed Lua 5.4 VM (wasmoon: the reference interpreter compiled to WebAssembly) for the
// traffic scripts. Every run gets a fresh Lua state, so scripts cannot leak globals into each
// other, with only the libraries upstream opens (base, table, string, math, plus `json`).
//
// Limits: wall-clock time, checked by wasmoon's count hook every 1000 VM instructions (upstream
// gives gopher-lua a 1 s context), and the bytes the state may allocate. A script that breaks
// either, fails to compile, raises an error, or returns no table yields a TrafficError naming
// the script key; nothing is thrown to the caller. Residual risk: a single C call that runs
// long without executing VM instructions (a pathological string pattern) is not interrupted —
// the same holds upstream.
//
// Loading the WebAssembly module is the only asynchronous step and happens once, in
// createLuaVm; `run` itself is synchronous, so providers using it stay plain functions.

import { LuaEngine, LuaFactory, LuaLibraries, type LuaWasm } from "wasmoon";
import { fail, ok, type Result, type TrafficErrorKind } from "./errors.js";
import { luaPrelude, luaRunner } from "./lua-prelude.js";

export interface LuaLimits {
  timeoutMs: number;
  memoryBytes: number;
}

export const defaultLuaLimits: LuaLimits = { timeoutMs: 1000, memoryBytes: 16 * 1024 * 1024 };

export interface LuaVm {
  /**
   * Runs `script` with the global `obj` set to `input` (a JSON value) and returns the table it
   * returns, converted to JSON (an empty table becomes null).
   */
  run(scriptKey: string, script: string, input: unknown): Result<unknown>;
}

const openedLibraries = [LuaLibraries.Base, LuaLibraries.Table, LuaLibraries.String, LuaLibraries.Math];

const replyKinds: ReadonlySet<string> = new Set<TrafficErrorKind>([
  "lua-syntax",
  "lua-runtime",
  "lua-result",
]);

export async function createLuaVm(limits: LuaLimits = defaultLuaLimits): Promise<LuaVm> {
  const module = await new LuaFactory().getLuaModule();
  return { run: (scriptKey, script, input) => runOnce(module, limits, scriptKey, script, input) };
}

function runOnce(
  module: LuaWasm,
  limits: LuaLimits,
  scriptKey: string,
  script: string,
  input: unknown,
): Result<unknown> {
  let engine: LuaEngine;
  try {
    engine = new LuaEngine(module, {
      openStandardLibs: false,
      injectObjects: false,
      enableProxy: false,
      traceAllocations: true,
    });
  } catch (error) {
    return fail(
      "lua-memory",
      `lua script "${scriptKey}": cannot create a Lua state: ${errorText(error)}`,
      scriptKey,
    );
  }
  try {
    for (const library of openedLibraries) engine.global.loadLibrary(library);
    engine.doStringSync(luaPrelude);
    engine.global.set("__traffic_key", scriptKey);
    engine.global.set("__traffic_script", script);
    engine.global.set("__traffic_input", JSON.stringify(input ?? null));
    engine.global.setMemoryMax(engine.global.getMemoryUsed() + limits.memoryBytes);
    engine.global.setTimeout(Date.now() + limits.timeoutMs);
    return parseReply(scriptKey, limits, String(engine.doStringSync(luaRunner)));
  } catch (error) {
    return fail(...classifyThrown(scriptKey, limits, error));
  } finally {
    engine.global.close();
  }
}

function parseReply(scriptKey: string, limits: LuaLimits, reply: string): Result<unknown> {
  const newline = reply.indexOf("\n");
  const status = reply.slice(0, newline);
  const text = reply.slice(newline + 1);
  if (status === "ok") return ok(JSON.parse(text));
  if (status === "lua-memory") return fail(...memoryExceeded(scriptKey, limits));
  const kind = (replyKinds.has(status) ? status : "lua-runtime") as TrafficErrorKind;
  return fail(kind, `lua script "${scriptKey}" failed: ${text}`, scriptKey);
}

function classifyThrown(
  scriptKey: string,
  limits: LuaLimits,
  error: unknown,
): [TrafficErrorKind, string, string] {
  const text = errorText(error);
  if (text.includes("timeout exceeded")) {
    return [
      "lua-timeout",
      `lua script "${scriptKey}" exceeded its time limit of ${limits.timeoutMs} ms`,
      scriptKey,
    ];
  }
  if (text.includes("not enough memory")) return memoryExceeded(scriptKey, limits);
  return ["lua-runtime", `lua script "${scriptKey}" failed: ${text}`, scriptKey];
}

function memoryExceeded(scriptKey: string, limits: LuaLimits): [TrafficErrorKind, string, string] {
  return [
    "lua-memory",
    `lua script "${scriptKey}" exceeded its memory limit of ${limits.memoryBytes} bytes`,
    scriptKey,
  ];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
