import { beforeAll, describe, expect, it } from "vitest";
import { createLuaVm, type LuaVm } from "../../../src/traffic/lua-vm.js";

let vm: LuaVm;
beforeAll(async () => {
  vm = await createLuaVm({ timeoutMs: 200, memoryBytes: 4 * 1024 * 1024 });
});

describe("lua vm", () => {
  it("passes obj in and the returned table out as JSON", () => {
    const result = vm.run("k", "obj.extra = { 1, 2 }; return obj", {
      a: "x",
      n: 2,
      f: 1.5,
      nested: { b: true },
    });
    expect(result).toEqual({ ok: true, value: { a: "x", n: 2, f: 1.5, nested: { b: true }, extra: [1, 2] } });
  });

  it("encodes an empty table as null, like upstream", () => {
    expect(vm.run("k", "return { list = {}, map = {} }", null)).toEqual({
      ok: true,
      value: { list: null, map: null },
    });
  });

  it("keeps integral numbers integers so they print like Lua 5.1", () => {
    expect(vm.run("k", "return { tostring(obj.w), obj.w .. '%' }", { w: 50 })).toEqual({
      ok: true,
      value: ["50", "50%"],
    });
  });

  it("offers the json module with Go's escaping and sorted keys", () => {
    const result = vm.run(
      "k",
      "return { json.encode({ b = '<&>', a = { 1, 2 } }), json.decode('{\"x\":[1,\"\\\\u00e9\"]}').x[2] }",
      null,
    );
    expect(result).toEqual({ ok: true, value: ['{"a":[1,2],"b":"\\u003c\\u0026\\u003e"}', "é"] });
  });

  it("stops an infinite loop within the time limit", () => {
    const started = Date.now();
    const result = vm.run("lua.traffic.routing.ingress.nginx", "while true do end", null);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result).toMatchObject({
      ok: false,
      error: { kind: "lua-timeout", scriptKey: "lua.traffic.routing.ingress.nginx" },
    });
  });

  it("does not let pcall swallow the time limit", () => {
    const result = vm.run("k", "while true do pcall(function() while true do end end) end", null);
    expect(result).toMatchObject({ ok: false, error: { kind: "lua-timeout" } });
  });

  it("stops a script that allocates past the memory limit", () => {
    const result = vm.run("k", "local s = 'x' while true do s = s .. s end", null);
    expect(result).toMatchObject({ ok: false, error: { kind: "lua-memory", scriptKey: "k" } });
  });

  it("reports syntax errors with the script key", () => {
    const result = vm.run("lua.traffic.routing.ingress.nginx", "return (", null);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.kind).toBe("lua-syntax");
      expect(result.error.message).toContain("lua.traffic.routing.ingress.nginx");
    }
  });

  it("reports runtime errors with the script key and line", () => {
    const result = vm.run("my-key", "local x = nil\nreturn x.y", null);
    expect(result).toMatchObject({ ok: false, error: { kind: "lua-runtime", scriptKey: "my-key" } });
    if (!result.ok) expect(result.error.message).toMatch(/my-key:2: attempt to index a nil value/);
  });

  it("requires a table result", () => {
    expect(vm.run("k", "return 'x'", null)).toMatchObject({
      ok: false,
      error: {
        kind: "lua-result",
        message: 'lua script "k" failed: expect table output from Lua script, not string',
      },
    });
    expect(vm.run("k", "obj = 1", null)).toMatchObject({ ok: false, error: { kind: "lua-result" } });
  });

  it("rejects tables JSON cannot express", () => {
    expect(vm.run("k", "return { 1, nil, 3 }", null)).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("sparse array") },
    });
    expect(vm.run("k", "return { 1, a = 2 }", null)).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("mixed") },
    });
    expect(vm.run("k", "local t = {} t.t = t return t", null)).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("nested") },
    });
  });

  it("opens only base, table, string, math and json", () => {
    const result = vm.run(
      "k",
      "return { io == nil, os == nil, require == nil, dofile == nil, debug == nil, coroutine == nil }",
      null,
    );
    expect(result).toEqual({ ok: true, value: [true, true, true, true, true, true] });
  });

  it("gives every run a fresh state", () => {
    vm.run("k", "leaked = 1 return {}", null);
    expect(vm.run("k", "return { leaked == nil }", null)).toEqual({ ok: true, value: [true] });
  });

  it("keeps working after failures", () => {
    vm.run("k", "while true do end", null);
    expect(vm.run("k", "return { 1 }", null)).toEqual({ ok: true, value: [1] });
  });
});
