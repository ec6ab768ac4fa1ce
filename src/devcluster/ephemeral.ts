import { readFileSync } from "node:fs";

/** An inclusive range of TCP ports. */
export interface PortRange {
  lo: number;
  hi: number;
}

/**
 * Parses /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999"). Undefined when the text is
 * not two port numbers.
 */
export function parsePortRange(text: string): PortRange | undefined {
  const [lo, hi] = text.trim().split(/\s+/).map(Number);
  if (lo === undefined || hi === undefined || !Number.isInteger(lo) || !Number.isInteger(hi))
    return undefined;
  return { lo, hi };
}

/** The kernel's range for outgoing connections' local ports, where it can tell (Linux). */
export function ephemeralPortRange(): PortRange | undefined {
  try {
    return parsePortRange(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * A warning when the ports a local cluster listens on lie in the ephemeral range, else
 * undefined. There, any outgoing connection (or one in TIME_WAIT) may hold the port at the
 * moment a component binds it, and the component exits with "address already in use": a
 * failure that comes and goes with the machine's traffic.
 */
export function ephemeralClash(
  ports: PortRange,
  ephemeral: PortRange | undefined,
  what: string,
): string | undefined {
  if (!ephemeral || ports.hi < ephemeral.lo || ports.lo > ephemeral.hi) return undefined;
  return (
    `${what}: ports ${ports.lo}-${ports.hi} overlap the kernel's ephemeral port range ` +
    `${ephemeral.lo}-${ephemeral.hi} (net.ipv4.ip_local_port_range), where outgoing connections can ` +
    `take them; choose ports below ${ephemeral.lo} or above ${ephemeral.hi}`
  );
}
