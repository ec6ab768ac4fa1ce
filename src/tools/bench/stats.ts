import { createReadStream, readFileSync, statSync } from "node:fs";
import { createInterface } from "node:readline";

/** The q-quantile (0..1) of a sample, nearest-rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface ProcessCost {
  peakRssMiB: number;
  cpuSeconds: number;
}

/** Peak resident memory (VmHWM) and CPU time (user + system) of a live process, from /proc. */
export function processCost(pid: number): ProcessCost {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  // Fields after the command name, which may contain spaces, start after the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssMiB: hwm / 1024, cpuSeconds: ticks / 100 };
}

/** The audit log's current size: where the requests of a run that starts now begin. */
export function logOffset(auditLog: string): number {
  try {
    return statSync(auditLog).size;
  } catch {
    return 0;
  }
}

/**
 * Requests in an apiserver JSON audit log from byte `offset` on, received at or after
 * `since` (ms), whose user agent `owns`, by verb. Streamed: the log of a long run is large.
 */
export async function requestsByVerb(
  auditLog: string,
  owns: (userAgent: string) => boolean,
  offset: number,
  since: number,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const lines = createInterface({
    input: createReadStream(auditLog, { start: offset }),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (!line.includes('"ResponseComplete"')) continue;
    try {
      const e = JSON.parse(line) as {
        userAgent?: string;
        verb?: string;
        stage?: string;
        requestReceivedTimestamp?: string;
      };
      if (e.stage !== "ResponseComplete" || !owns(e.userAgent ?? "")) continue;
      if (Date.parse(e.requestReceivedTimestamp ?? "") < since) continue;
      out[e.verb ?? "?"] = (out[e.verb ?? "?"] ?? 0) + 1;
    } catch {
      // a partial line at the end of a log being written
    }
  }
  return out;
}
