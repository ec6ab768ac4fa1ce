import { nextDue } from "../analysis/evaluate.js";
import type { AnalysisRef, Observation, ResolvedRun, RunStatus } from "../analysis/model.js";
import { measurePrometheus } from "../analysis/prometheus.js";
import { type RolloutContext, resolveRun, type TemplateObject } from "../analysis/resolve.js";
import { measureWeb } from "../analysis/web.js";
import type { AnalysisTemplateSpec } from "../api/analysis-template.js";
import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import { resourcePath, secrets } from "../kube/resource.js";
import { activeRuns } from "../rollout/analysis.js";
import { ConditionType, getCondition, ProgressingReason } from "../rollout/conditions.js";
import type { Rollout } from "../rollout/model.js";
import type { ObservedAnalysis, ObservedRun } from "../rollout/observed.js";
import { type MeasurementRunner, measurementSlot, type Wanted } from "./analysis-runner.js";
import type { Caches } from "./caches.js";
import { revertToStable } from "./stable-template.js";

// The imperative half of analysis: for the runs the persisted status has in progress, read the
// templates (on demand, not cached: they are read only while a run is active), ask the runner
// for the measurements that are due, and hand the planner those already taken and the names of
// those still being measured. Provider queries never run in the reconcile pass itself.

export type AnalysisSource = (rollout: Rollout) => Promise<ObservedAnalysis | undefined>;

const group = "rollouts.kruise.io";
const templatesOf = (clusterScope: boolean) => ({
  group,
  version: "v1alpha1",
  plural: clusterScope ? "clusteranalysistemplates" : "analysistemplates",
});

function originOf(spec: ResolvedRun["metrics"][number]): string {
  const address = "web" in spec.provider ? spec.provider.web.url : spec.provider.prometheus.address;
  try {
    return new URL(address).host;
  } catch {
    return address;
  }
}

export function analysisSource(
  client: KubeClient,
  caches: Caches,
  runner: MeasurementRunner,
): AnalysisSource {
  async function readTemplates(ref: AnalysisRef, namespace: string): Promise<TemplateObject[]> {
    const found: TemplateObject[] = [];
    for (const t of ref.templates) {
      const clusterScope = t.clusterScope ?? false;
      try {
        const obj = await client.request<{ spec: AnalysisTemplateSpec }>({
          method: "GET",
          path: resourcePath(templatesOf(clusterScope), {
            ...(clusterScope ? {} : { namespace }),
            name: t.templateName,
          }),
        });
        found.push({ name: t.templateName, clusterScope, spec: obj.spec });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return found;
  }

  async function secretValue(namespace: string, name: string, key: string): Promise<string> {
    const secret = await client.request<{ data?: Record<string, string> }>({
      method: "GET",
      path: resourcePath(secrets, { namespace, name }),
    });
    const value = secret.data?.[key];
    if (value === undefined) throw new Error(`Secret ${namespace}/${name} has no key ${key}`);
    return Buffer.from(value, "base64").toString("utf8").trim();
  }

  async function measure(spec: ResolvedRun["metrics"][number], namespace: string): Promise<Observation> {
    const p = spec.provider;
    if ("web" in p) return measureWeb(p.web);
    let token: string | undefined;
    if (p.prometheus.bearerToken) {
      const { secretName, key } = p.prometheus.bearerToken;
      try {
        token = await secretValue(namespace, secretName, key);
      } catch (err) {
        return { kind: "error", message: `bearer token: ${(err as Error).message}` };
      }
    }
    return measurePrometheus(p.prometheus, token);
  }

  /** The run resolved, and the measurements it has due, each under its runner slot. */
  async function resolve(
    rollout: Rollout,
    ref: AnalysisRef,
    persisted: RunStatus | undefined,
    background: boolean,
  ): Promise<{ run?: ResolvedRun; error?: string; due: (Wanted & { metric: string })[] }> {
    const namespace = rollout.metadata.namespace;
    const sub = rollout.status?.canaryStatus;
    const context: RolloutContext = {
      name: rollout.metadata.name,
      namespace,
      canaryRevision: sub?.canaryRevision ?? "",
      stableRevision: sub?.stableRevision ?? "",
      podTemplateHash: sub?.podTemplateHash ?? "",
    };
    let run: ResolvedRun;
    try {
      run = resolveRun(ref, await readTemplates(ref, namespace), context, background);
    } catch (err) {
      return { error: (err as Error).message, due: [] };
    }
    // A run the status does not hold yet is started by the planner first; then measured.
    if (!persisted) return { run, due: [] };
    const now = Date.now();
    const due = run.metrics.flatMap((spec) => {
      const status = persisted.metrics.find((m) => m.name === spec.name);
      const at = nextDue(spec, status, persisted.startedAt);
      if (at === undefined || at > now) return [];
      return [
        {
          metric: spec.name,
          slot: measurementSlot(persisted, spec.name, status),
          origin: originOf(spec),
          measure: () => measure(spec, namespace),
        },
      ];
    });
    return { run, due };
  }

  return async (rollout) => {
    const key = `${rollout.metadata.namespace}/${rollout.metadata.name}`;
    // A Rollout being deleted is finalised, not judged: nothing more to measure.
    const active = rollout.metadata.deletionTimestamp ? {} : activeRuns(rollout);
    const sub = rollout.status?.canaryStatus;
    const persisted = rollout.status?.analysis;
    const resolved: { [K in "step" | "background"]?: Awaited<ReturnType<typeof resolve>> } = {};
    if (active.step) {
      const run = persisted?.step;
      const same = run?.stepIndex === active.step.index && run.canaryRevision === sub?.canaryRevision;
      resolved.step = await resolve(rollout, active.step.ref, same ? run : undefined, false);
    }
    if (active.background) {
      const run = persisted?.background;
      const same = run?.canaryRevision === sub?.canaryRevision;
      resolved.background = await resolve(rollout, active.background, same ? run : undefined, true);
    }
    // Always asked, even with nothing due, so results of ended runs are dropped.
    const { taken, measuring } = runner.pass(key, [
      ...(resolved.step?.due ?? []),
      ...(resolved.background?.due ?? []),
    ]);
    const out: ObservedAnalysis = {};
    for (const which of ["step", "background"] as const) {
      const r = resolved[which];
      if (!r) continue;
      const observed: ObservedRun = {
        ...(r.run && { run: r.run }),
        ...(r.error !== undefined && { error: r.error }),
        observations: {},
      };
      const inFlight: string[] = [];
      for (const d of r.due) {
        const result = taken.get(d.slot);
        if (result) observed.observations[d.metric] = result;
        else if (measuring.has(d.slot)) inFlight.push(d.metric);
      }
      if (inFlight.length > 0) observed.measuring = inFlight;
      out[which] = observed;
    }
    const reason = getCondition(rollout.status?.conditions, ConditionType.Progressing)?.reason;
    if (rollout.status?.phase === "Progressing" && reason === ProgressingReason.Aborting) {
      out.revert = await revertToStable(client, caches, rollout);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  };
}
