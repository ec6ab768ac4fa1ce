import { beforeAll, describe, expect, it } from "vitest";
import { type CustomTarget, ensureCustomRoutes } from "../../../src/traffic/lua-custom.js";
import { createLuaVm, type LuaVm } from "../../../src/traffic/lua-vm.js";
import type { KubeObject, ObjectRef } from "../../../src/traffic/model.js";
import { resolveCustomScript } from "../../../src/traffic/script-source.js";

// Issue 11, hostile Lua: user scripts (ConfigMap overrides, custom providers) that never end or
// allocate without bound are cut off by the VM's limits (time and memory) and reported as a
// traffic error naming the script, within a bounded time; the controller's VM keeps serving.

const limits = { timeoutMs: 300, memoryBytes: 4 * 1024 * 1024 };
let vm: LuaVm;
beforeAll(async () => {
  vm = await createLuaVm(limits);
});

const loops: [string, string][] = [
  ["while", "while true do end"],
  ["repeat", "repeat local x = 1 until false"],
  ["goto", "::top:: goto top"],
  ["numeric for", "for i = 1, math.huge do end"],
  ["pcall around a loop", "while true do pcall(function() while true do end end) end"],
  [
    "error handler loop",
    "while true do xpcall(function() error('x') end, function() while true do end end) end",
  ],
  ["string work in a loop", "local s = '' while true do s = string.sub(s .. 'ab', -10) end"],
  ["table churn", "while true do local t = {} for i = 1, 100 do t[i] = i end end"],
  ["json in a loop", "while true do json.encode({a = {1, 2, 3}}) end"],
  ["gsub callback loop", "while true do string.gsub('aaaa', 'a', function(c) return c end) end"],
  [
    "metatable __index loop",
    "local t = setmetatable({}, {__index = function(t, k) while true do end end}) return t.x",
  ],
];

const allocations: [string, string][] = [
  ["string doubling", "local s = 'x' while true do s = s .. s end"],
  ["string.rep huge", "return {spec = string.rep('x', 1024 * 1024 * 1024)}"],
  ["table growth", "local t = {} local i = 1 while true do t[i] = {i, i, i} i = i + 1 end"],
  ["string table", "local t = {} for i = 1, 1e9 do t[i] = string.rep('y', 1000) .. i end"],
  ["table.concat", "local t = {} for i = 1, 1e7 do t[i] = 'abcdefgh' end return {spec = table.concat(t)}"],
  ["deep nesting", "local t = {} local c = t for i = 1, 1e8 do c.n = {} c = c.n end"],
  ["string.rep of a string", "return {spec = string.format('%099d', 1):rep(1e6)}"],
];

const tally = { tried: 0, cutOff: 0, maxMs: 0 };

describe("hostile Lua scripts", () => {
  it.each(loops)("cuts off an endless %s and reports it", (_name, script) => {
    const started = Date.now();
    const result = vm.run("lua.traffic.routing.custom", script, { data: {} });
    const took = Date.now() - started;
    tally.tried++;
    tally.maxMs = Math.max(tally.maxMs, took);
    expect(took).toBeLessThan(limits.timeoutMs + 2000);
    expect(result).toMatchObject({
      ok: false,
      error: {
        kind: "lua-timeout",
        scriptKey: "lua.traffic.routing.custom",
        message: `lua script "lua.traffic.routing.custom" exceeded its time limit of ${limits.timeoutMs} ms`,
      },
    });
    tally.cutOff++;
  });

  it.each(allocations)("cuts off %s past the memory limit and reports it", (_name, script) => {
    const started = Date.now();
    const result = vm.run("k", script, null);
    const took = Date.now() - started;
    tally.tried++;
    tally.maxMs = Math.max(tally.maxMs, took);
    expect(took).toBeLessThan(limits.timeoutMs + 2000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // A loop that allocates slowly may meet the time limit first; either is a cut-off, reported.
    expect(["lua-memory", "lua-timeout"]).toContain(result.error.kind);
    expect(result.error.scriptKey).toBe("k");
    expect(result.error.message).toMatch(/^lua script "k" exceeded its (memory|time) limit of \d+/);
    tally.cutOff++;
  });

  it("keeps serving normal scripts after every cut-off", () => {
    for (const [, script] of [...loops, ...allocations]) vm.run("k", script, null);
    expect(vm.run("k", "return {spec = {n = obj.n + 1}}", { n: 41 })).toEqual({
      ok: true,
      value: { spec: { n: 42 } },
    });
  });

  it("turns a custom provider's endless script into a traffic error, not a throw or a hang", () => {
    const ref: ObjectRef = { apiVersion: "example.com/v1", kind: "Router", name: "r" };
    const object: KubeObject = {
      apiVersion: "example.com/v1",
      kind: "Router",
      metadata: { name: "r", namespace: "ns", resourceVersion: "1" },
      spec: { weight: 0 },
    };
    const key = "lua.traffic.routing.Router.example.com";
    const script = resolveCustomScript(ref, { [key]: "while true do end" });
    expect(script.ok).toBe(true);
    if (!script.ok) return;
    const target: CustomTarget = { ref, object, script: script.value };
    const result = ensureCustomRoutes(
      [target],
      { traffic: "20%" },
      {
        stableService: "web",
        canaryService: "web-canary",
        vm,
      },
    );
    expect(result).toMatchObject({ ok: false, error: { kind: "lua-timeout", scriptKey: key } });
  });

  it("reports the tally", () => {
    console.log(
      `[reliability] Lua: ${tally.cutOff}/${tally.tried} hostile scripts cut off and reported, ` +
        `slowest cut-off ${tally.maxMs} ms (limits ${limits.timeoutMs} ms, ${limits.memoryBytes} bytes)`,
    );
    expect(tally.cutOff).toBe(tally.tried);
  });
});
