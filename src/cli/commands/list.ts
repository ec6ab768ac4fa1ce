// `list`: one line per Rollout, like `kubectl get`, with the step and the controller's message.
import type { Rollout } from "../../rollout/model.js";
import { strategyOf } from "../../rollout/steps.js";
import { table } from "../render/table.js";
import { stepStatus } from "../step-status.js";

export interface ListRow {
  namespace: string;
  name: string;
  phase: string;
  step: string;
  state: string;
  message: string;
}

export function listRows(rollouts: Rollout[]): ListRow[] {
  return rollouts
    .map((r) => {
      const sub = stepStatus(r)?.sub;
      return {
        namespace: r.metadata.namespace,
        name: r.metadata.name,
        phase: r.status?.phase ?? "",
        step: sub ? `${sub.currentStepIndex}/${strategyOf(r).steps.length}` : "-",
        state: sub?.currentStepState || "-",
        message: r.status?.message ?? "",
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

export function renderList(rows: ListRow[], allNamespaces: boolean): string {
  if (rows.length === 0) return "No rollouts found.\n";
  const columns = [
    ...(allNamespaces ? [{ header: "NAMESPACE" }] : []),
    { header: "NAME" },
    { header: "PHASE" },
    { header: "STEP" },
    { header: "STATE" },
    { header: "MESSAGE" },
  ];
  const cells = rows.map((r) => [
    ...(allNamespaces ? [r.namespace] : []),
    r.name,
    r.phase,
    r.step,
    r.state,
    r.message,
  ]);
  return `${table(columns, cells).join("\n")}\n`;
}
