// What `status` shows, computed from a snapshot as plain data: the text renderer and
// `-o json|yaml` both print this, so scripts see exactly what people see.
import { rolloutBatchIdLabel, rolloutIdLabel } from "../../release/keys.js";
import type { Pod } from "../../release/model.js";
import { isReady, runsRevision } from "../../release/pods.js";
import type { CanaryStep, HttpRouteMatch, Rollout } from "../../rollout/model.js";
import { isRealCanary, resolveReplicas, rollingStyle, strategyOf } from "../../rollout/steps.js";
import { stepStatus } from "../step-status.js";
import type { Snapshot } from "./snapshot.js";

export type StepProgress = "done" | "current" | "pending";

export interface StepView {
  index: number;
  replicas: string;
  traffic: string;
  pause: string;
  progress: StepProgress;
  /** The sub-state of the current step (StepUpgrade, StepPaused…); empty for the others. */
  state: string;
}

export interface PodCount {
  ready: number;
  total: number;
}

export interface BatchView {
  batch: number;
  pods: { name: string; ready: boolean }[];
}

/** Why the rollout is not moving by itself, and which command moves it on. */
export interface Waiting {
  reason: "approval" | "duration" | "paused";
  command: "approve" | "resume";
  step?: number;
  remainingSeconds?: number;
}

export interface StatusView {
  name: string;
  namespace: string;
  workload: string;
  style: "partition" | "canary" | "blue-green";
  replicas: number;
  phase: string;
  message: string;
  step: { current: number; total: number; state: string } | null;
  rolloutId: string;
  stableRevision: string;
  canaryRevision: string;
  /** The traffic the current step routes to the new version. */
  traffic: string;
  old: PodCount;
  new: PodCount & { target: number };
  steps: StepView[];
  batches: BatchView[];
  waiting: Waiting | null;
}

export function statusView(snapshot: Snapshot, now: Date): StatusView {
  const { rollout, batchRelease } = snapshot;
  const sub = stepStatus(rollout)?.sub;
  const steps = strategyOf(rollout).steps;
  const phase = rollout.status?.phase ?? "";
  const replicas = batchRelease?.status?.observedWorkloadReplicas ?? snapshot.pods.length;
  const current = sub?.currentStepIndex ?? 0;
  const completed = sub?.currentStepState === "Completed";
  const released = phase === "Healthy" || phase === "Disabled";
  const revision = sub?.podTemplateHash || batchRelease?.status?.updateRevision || "";
  const isNew = (pod: Pod) =>
    released ||
    (revision !== "" && runsRevision(pod.metadata.labels, revision)) ||
    (!!sub?.observedRolloutID && pod.metadata.labels?.[rolloutIdLabel] === sub.observedRolloutID);
  const newPods = snapshot.pods.filter(isNew);
  const oldPods = snapshot.pods.filter((p) => !isNew(p));
  const currentStep = steps[current - 1];
  return {
    name: rollout.metadata.name,
    namespace: rollout.metadata.namespace,
    workload: `${rollout.spec.workloadRef.kind}/${rollout.spec.workloadRef.name}`,
    style: styleName(rollout),
    replicas,
    phase,
    message: rollout.status?.message ?? "",
    step: sub ? { current, total: steps.length, state: sub.currentStepState } : null,
    rolloutId: sub?.observedRolloutID ?? "",
    stableRevision: sub?.stableRevision ?? "",
    canaryRevision: sub?.canaryRevision ?? "",
    traffic: released || !currentStep ? "-" : trafficOf(currentStep),
    old: count(oldPods),
    new: {
      ...count(newPods),
      target: released ? replicas : resolveReplicas(currentStep?.replicas, replicas),
    },
    steps: steps.map((step, i) => {
      const index = i + 1;
      const progress: StepProgress =
        !sub || index > current ? "pending" : index < current || completed ? "done" : "current";
      return {
        index,
        replicas: String(step.replicas ?? "-"),
        traffic: trafficOf(step),
        pause: pauseOf(step, index === steps.length),
        progress,
        state: progress === "current" ? (sub?.currentStepState ?? "") : "",
      };
    }),
    batches:
      released && !sub?.observedRolloutID ? [] : batchesOf(snapshot.pods, sub?.observedRolloutID ?? ""),
    waiting: waitingOf(rollout, currentStep, now),
  };
}

function styleName(rollout: Rollout): StatusView["style"] {
  // Canary style is only real for native Deployments; other kinds run it as partition.
  if (rollingStyle(rollout) === "BlueGreen") return "blue-green";
  return isRealCanary(rollout) ? "canary" : "partition";
}

function count(pods: Pod[]): PodCount {
  return { ready: pods.filter(isReady).length, total: pods.length };
}

export function trafficOf(step: CanaryStep): string {
  if (step.matches?.length) return step.matches.map(describeMatch).join(" or ");
  return step.traffic ?? "-";
}

function describeMatch(match: HttpRouteMatch): string {
  const parts = [
    ...(match.headers ?? []).map((h) => `${h.name}${h.type === "RegularExpression" ? "~" : "="}${h.value}`),
    ...(match.queryParams ?? []).map((q) => `?${q.name}=${q.value}`),
    ...(match.path?.value ? [`path ${match.path.value}`] : []),
  ];
  return parts.join(",") || "any";
}

function pauseOf(step: CanaryStep, last: boolean): string {
  // Upstream never pauses on a last step that releases everything (spec §6.2).
  if (last && step.replicas === "100%") return "-";
  const duration = step.pause?.duration;
  if (duration === undefined) return "manual";
  return duration === 0 ? "-" : `${duration}s`;
}

function batchesOf(pods: Pod[], rolloutId: string): BatchView[] {
  const byBatch = new Map<number, BatchView["pods"]>();
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {};
    const batch = Number(labels[rolloutBatchIdLabel]);
    if (!rolloutId || labels[rolloutIdLabel] !== rolloutId || !Number.isInteger(batch) || batch < 1) continue;
    const list = byBatch.get(batch) ?? [];
    list.push({ name: pod.metadata.name ?? "", ready: isReady(pod) });
    byBatch.set(batch, list);
  }
  return [...byBatch.entries()]
    .sort(([a], [b]) => a - b)
    .map(([batch, list]) => ({
      batch,
      pods: list.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })),
    }));
}

function waitingOf(rollout: Rollout, step: CanaryStep | undefined, now: Date): Waiting | null {
  const sub = stepStatus(rollout)?.sub;
  if (rollout.status?.phase !== "Progressing") return null;
  if (rollout.spec.strategy.paused) return { reason: "paused", command: "resume" };
  if (sub?.currentStepState !== "StepPaused" || !step) return null;
  const duration = step.pause?.duration;
  if (duration === undefined) return { reason: "approval", command: "approve", step: sub.currentStepIndex };
  const since = sub.lastUpdateTime ? (now.getTime() - Date.parse(sub.lastUpdateTime)) / 1000 : 0;
  return {
    reason: "duration",
    command: "approve",
    step: sub.currentStepIndex,
    remainingSeconds: Math.max(0, Math.ceil(duration - since)),
  };
}
