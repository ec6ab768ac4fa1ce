// `status [--watch]`: read a snapshot, draw it; with --watch, poll and redraw until interrupted.
// Polling once a second costs three GETs and survives API-server restarts without watch
// bookkeeping, which is the right trade for a human watching one rollout.
import type { Cluster } from "../cluster.js";
import { live } from "../live.js";
import { type OutputFormat, serialize } from "../output.js";
import type { Paint } from "../render/style.js";
import { renderStatus } from "../status/render.js";
import { readSnapshot } from "../status/snapshot.js";
import { statusView } from "../status/view.js";

export interface StatusOptions {
  output: OutputFormat;
  paint: Paint;
  program: string;
  watch: boolean;
  intervalMs?: number;
  stdout: NodeJS.WriteStream;
  /** Stops a watch (Ctrl-C); resolves the command normally. */
  signal?: AbortSignal;
}

async function frame(cluster: Cluster, name: string, options: StatusOptions): Promise<string> {
  const view = statusView(await readSnapshot(cluster, name), new Date());
  if (options.output !== "text") return serialize(view, options.output);
  return renderStatus(view, { paint: options.paint, program: options.program });
}

export async function status(cluster: Cluster, name: string, options: StatusOptions): Promise<string> {
  if (!options.watch) return frame(cluster, name, options);
  // Machine formats stream one document per change; people get the redrawn view.
  const screen = live(options.stdout, options.output === "text" && options.stdout.isTTY === true);
  try {
    while (!options.signal?.aborted) {
      screen.show(await frame(cluster, name, options));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs ?? 1000);
        options.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  } finally {
    screen.done();
  }
  return "";
}
