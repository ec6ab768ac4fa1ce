import { describe, expect, it } from "vitest";
import { type BenchResult, table } from "../../../src/tools/bench/report.js";
import { parseSettings } from "../../../src/tools/bench/settings.js";

describe("bench settings", () => {
  it("the full run compares both controllers on the issue's sizes", () => {
    expect(parseSettings([])).toEqual({
      mode: "full",
      controllers: ["ours", "upstream"],
      sizes: [1, 100, 1000],
      fillerPods: 10_000,
      fillerSizes: [1, 100, 1000],
      latency: { rollouts: 25, steps: 4 },
    });
  });

  it("the quick run is ours only, so CI needs no Go build", () => {
    expect(parseSettings(["--quick"]).controllers).toEqual(["ours"]);
  });

  it("narrows a run from the command line", () => {
    const s = parseSettings(["--sizes=1,100", "--filler=0", "--latency=10x2", "--controllers=upstream"]);
    expect(s).toMatchObject({ sizes: [1, 100], fillerPods: 0, latency: { rollouts: 10, steps: 2 } });
    expect(s.controllers).toEqual(["upstream"]);
  });

  it("the round with filler pods takes its own sizes, and either round can be left out", () => {
    expect(parseSettings(["--sizes=1,100"]).fillerSizes).toEqual([1, 100]);
    const s = parseSettings(["--sizes=none", "--filler-sizes=100"]);
    expect(s).toMatchObject({ sizes: [], fillerSizes: [100] });
  });

  it("--latency=0 skips the step-latency fleet", () => {
    expect(parseSettings(["--latency=0"]).latency).toEqual({ rollouts: 0, steps: 0 });
  });

  it("names the flag of a bad value", () => {
    expect(() => parseSettings(["--sizes=1,x"])).toThrow(/--sizes/);
    expect(() => parseSettings(["--filler-sizes=0"])).toThrow(
      /--filler-sizes: every size must be at least 1/,
    );
    expect(() => parseSettings(["--latency=10x5"])).toThrow(/--latency/);
    expect(() => parseSettings(["--controllers=argo"])).toThrow(/--controllers/);
    expect(() => parseSettings(["--fast"])).toThrow(/unknown argument "--fast"/);
  });
});

describe("bench table", () => {
  const result = (controllers: BenchResult["controllers"]): BenchResult => ({
    machine: "m",
    startedAt: "t",
    mode: "full",
    settings: parseSettings([]),
    loadAverage: { atStart: [], atEnd: [] },
    controllers,
  });

  it("gives the ratio ours/upstream for every figure both measured", () => {
    const lines = table(result({ ours: { a: 50, b: 3 }, upstream: { a: 100 } })).split("\n");
    expect(lines[0]).toBe("| figure | ours | upstream | ours/upstream |");
    expect(lines).toContain("| a | 50.00 | 100 | 0.50 |");
    expect(lines).toContain("| b | 3.00 | – | – |");
  });

  it("has no ratio column with one controller", () => {
    expect(table(result({ ours: { a: 1 } })).split("\n")[0]).toBe("| figure | ours |");
  });
});
