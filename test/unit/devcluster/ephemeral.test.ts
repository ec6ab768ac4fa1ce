import { describe, expect, it } from "vitest";
import { ephemeralClash, parsePortRange } from "../../../src/devcluster/ephemeral.js";

describe("ephemeral port range", () => {
  it("parses the kernel's range, tabs or spaces", () => {
    expect(parsePortRange("32768\t60999\n")).toEqual({ lo: 32768, hi: 60999 });
    expect(parsePortRange(" 1024 65535 ")).toEqual({ lo: 1024, hi: 65535 });
    expect(parsePortRange("")).toBeUndefined();
    expect(parsePortRange("32768")).toBeUndefined();
  });

  const linux = { lo: 32768, hi: 60999 };

  it("accepts ports wholly below or above it", () => {
    expect(ephemeralClash({ lo: 17443, hi: 17448 }, linux, "test")).toBeUndefined();
    expect(ephemeralClash({ lo: 32668, hi: 32767 }, linux, "test")).toBeUndefined();
    expect(ephemeralClash({ lo: 61000, hi: 61099 }, linux, "test")).toBeUndefined();
  });

  it("accepts anything where the range is unknown", () => {
    expect(ephemeralClash({ lo: 36143, hi: 36242 }, undefined, "test")).toBeUndefined();
  });

  it("names the ports, the range and the way out when they overlap at either end or inside", () => {
    for (const ports of [
      { lo: 32700, hi: 32799 },
      { lo: 36143, hi: 36242 },
      { lo: 60990, hi: 61089 },
    ]) {
      const error = ephemeralClash(ports, linux, 'cluster "faults-ana"');
      expect(error).toContain('cluster "faults-ana"');
      expect(error).toContain(`${ports.lo}-${ports.hi}`);
      expect(error).toContain("32768-60999");
      expect(error).toContain("net.ipv4.ip_local_port_range");
      expect(error).toContain("below 32768");
    }
  });
});
