// `history`: the workload's revisions (what `undo --to-revision` and `abort` go back to), with the
// stable and canary ones marked, then the Rollout's and BatchRelease's Events in time order.
// Events are the only record of transitions upstream keeps (RolloutHistory is gated off), and
// the API server expires them after an hour by default: the table says so when it is empty.
import type { Rollout } from "../../rollout/model.js";
import type { Cluster, KubeEvent } from "../cluster.js";
import { table } from "../render/table.js";
import { type Revision, revisions } from "../revisions.js";
import { stepStatus } from "../step-status.js";

export interface HistoryView {
  revisions: { revision: number; hash: string; images: string[]; role: string }[];
  events: { time: string; object: string; type: string; reason: string; message: string }[];
}

export function historyView(rollout: Rollout, history: Revision[], events: KubeEvent[]): HistoryView {
  const sub = stepStatus(rollout)?.sub;
  const role = (hash: string) =>
    hash === sub?.stableRevision
      ? "stable"
      : hash !== "" && sub?.canaryRevision.endsWith(hash)
        ? "canary"
        : "";
  return {
    revisions: history.map((r) => ({
      revision: r.revision,
      hash: r.hash,
      images: r.images,
      role: role(r.hash),
    })),
    events: events
      .map((e) => ({
        time: e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? "",
        object: `${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}`,
        type: e.type ?? "",
        reason: e.reason ?? "",
        message: e.message ?? "",
      }))
      .sort((a, b) => a.time.localeCompare(b.time)),
  };
}

export function renderHistory(view: HistoryView): string {
  const lines = [
    "Revisions",
    ...table(
      [{ header: "REVISION" }, { header: "HASH" }, { header: "ROLE" }, { header: "IMAGES" }],
      view.revisions.map((r) => [String(r.revision), r.hash, r.role, r.images.join(",")]),
      "  ",
    ),
    "",
    "Events",
  ];
  if (view.events.length === 0) lines.push("  none (the API server keeps Events for an hour by default)");
  else
    lines.push(
      ...table(
        [{ header: "TIME" }, { header: "OBJECT" }, { header: "REASON" }, { header: "MESSAGE" }],
        view.events.map((e) => [e.time, e.object, e.reason, e.message]),
        "  ",
      ),
    );
  return `${lines.join("\n")}\n`;
}

export async function readHistory(cluster: Cluster, name: string): Promise<HistoryView> {
  const rollout = await cluster.getRollout(name);
  const workload = await cluster.getWorkload(rollout);
  const [history, rolloutEvents, releaseEvents] = await Promise.all([
    workload ? revisions(cluster, rollout, workload) : Promise.resolve([]),
    cluster.listEvents("Rollout", name),
    cluster.listEvents("BatchRelease", name),
  ]);
  return historyView(rollout, history, [...rolloutEvents, ...releaseEvents]);
}
