import type * as k8s from "@kubernetes/client-node";

// Prints a Rollout's progress as it happens: one line per change of step or state,
// with the batch's ready counts, the pods' batch labels and the traffic weight.

export interface Snapshot {
  phase: string;
  step: number;
  steps: number;
  state: string;
  message: string;
  oldReady: number;
  newReady: number;
  batches: Record<string, string[]>;
  traffic: string;
}

export function describeSnapshot(s: Snapshot): string[] {
  const lines = [`  [${s.phase}] step ${s.step}/${s.steps} ${s.state}: ${s.message}`];
  lines.push(
    `      ready pods: ${s.oldReady} old, ${s.newReady} new${s.traffic ? `   traffic: ${s.traffic}` : ""}`,
  );
  for (const [batch, pods] of Object.entries(s.batches).sort()) {
    lines.push(`      batch ${batch} (rollout-batch-id=${batch}): ${pods.sort().join(", ")}`);
  }
  return lines;
}

export function batchesOf(pods: k8s.V1Pod[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of pods) {
    const batch = p.metadata?.labels?.["rollouts.kruise.io/rollout-batch-id"];
    if (!batch) continue;
    out[batch] = [...(out[batch] ?? []), p.metadata?.name ?? ""];
  }
  return out;
}

export function isReady(p: k8s.V1Pod): boolean {
  return (
    !p.metadata?.deletionTimestamp &&
    (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}
