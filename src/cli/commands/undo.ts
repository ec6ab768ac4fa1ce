// `undo` and `abort` both roll the workload back; the Rollout sees the rollback and cancels
// the release, restoring stable traffic first (spec §2.5, §3.7).
// - undo [--to-revision N]: kubectl-kruise's undo, i.e. `kubectl rollout undo` on the workload.
// - abort: back to the stable revision the release started from, which is what people mean by
//   aborting a canary. Disabling the Rollout instead would let the workload finish rolling
//   forward to the new version: the opposite of an abort.
import { isDeepStrictEqual } from "node:util";
import type { Rollout } from "../../rollout/model.js";
import type { Cluster } from "../cluster.js";
import { wrongState } from "../errors.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { type Revision, revisions } from "../revisions.js";
import { stepStatus } from "../step-status.js";

/** kubectl's choice: revision N, or (N = 0) the one before the newest. */
export function undoTarget(history: Revision[], toRevision: number, kind: string, name: string): Revision {
  if (toRevision > 0) {
    const found = history.find((r) => r.revision === toRevision);
    if (!found)
      throw new CliError(`unable to find specified revision ${toRevision} in history`, ExitCode.notFound);
    return found;
  }
  const previous = history.at(-2);
  if (!previous) throw wrongState(name, `has no ${kind} revision to roll back to`);
  return previous;
}

export function abortTarget(rollout: Rollout, history: Revision[]): Revision {
  const name = rollout.metadata.name;
  const sub = stepStatus(rollout)?.sub;
  if (rollout.status?.phase !== "Progressing" || !sub || sub.currentStepState === "Completed")
    throw wrongState(name, "is not progressing: nothing to abort");
  const stable = history.find((r) => r.hash !== "" && r.hash === sub.stableRevision);
  if (!stable)
    throw wrongState(name, `stable revision "${sub.stableRevision}" is not in the workload's history`);
  return stable;
}

async function rollBack(
  cluster: Cluster,
  name: string,
  pick: (rollout: Rollout, history: Revision[]) => Revision,
): Promise<{ rollout: Rollout; target: Revision }> {
  const rollout = await cluster.getRollout(name);
  const workload = await cluster.getWorkload(rollout);
  const ref = rollout.spec.workloadRef;
  if (!workload)
    throw new CliError(`${ref.kind} "${ref.name}" of rollout "${name}" not found`, ExitCode.notFound);
  const history = await revisions(cluster, rollout, workload);
  const target = pick(rollout, history);
  const current = history.at(-1);
  if (current && current.revision === target.revision && isDeepStrictEqual(current.images, target.images))
    throw wrongState(name, `skipped rollback (current template already matches revision ${target.revision})`);
  await cluster.patchWorkload(rollout, target.write.patch, target.write.contentType);
  return { rollout, target };
}

export async function undo(cluster: Cluster, name: string, toRevision: number): Promise<string> {
  const { rollout } = await rollBack(cluster, name, (r, history) =>
    undoTarget(history, toRevision, r.spec.workloadRef.kind, name),
  );
  const ref = rollout.spec.workloadRef;
  return `${ref.kind.toLowerCase()}.apps/${ref.name} rolled back`;
}

export async function abort(cluster: Cluster, name: string): Promise<string> {
  const { rollout, target } = await rollBack(cluster, name, abortTarget);
  const ref = rollout.spec.workloadRef;
  return `rollout.rollouts.kruise.io/${name} aborted: ${ref.kind}/${ref.name} rolled back to revision ${target.revision} (${target.hash})`;
}
