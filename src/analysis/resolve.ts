import type { AnalysisTemplateSpec, MetricInput } from "../api/analysis-template.js";
import { parseDuration } from "../kube/duration.js";
import { conditionError } from "./conditions.js";
import type { AnalysisRef, MetricSpec, Provider, ResolvedRun } from "./model.js";

// Templates + a Rollout's reference → the run to perform: arguments resolved, placeholders
// substituted, defaults applied, expressions checked. Pure; any problem throws an Error whose
// message is shown in the Rollout's status as is.

export interface TemplateObject {
  name: string;
  clusterScope: boolean;
  spec: AnalysisTemplateSpec;
}

/** What `{{rollout.*}}` placeholders stand for. */
export interface RolloutContext {
  name: string;
  namespace: string;
  canaryRevision: string;
  stableRevision: string;
  podTemplateHash: string;
}

const defaultTimeoutMs = 10_000;
const defaultConsecutiveErrorLimit = 4;

function substitute(text: string, scope: string, values: Record<string, string>): string {
  return text.replace(
    /\{\{\s*([a-zA-Z]+)\.([a-zA-Z0-9_-]+)\s*\}\}/g,
    (whole, prefix: string, key: string) => {
      if (prefix !== scope) return whole;
      const value = values[key];
      if (value === undefined) throw new Error(`unknown placeholder ${whole}`);
      return value;
    },
  );
}

function args(
  template: TemplateObject,
  ref: AnalysisRef,
  rollout: Record<string, string>,
): Record<string, string> {
  const given = new Map((ref.args ?? []).map((a) => [a.name, a.value]));
  const out: Record<string, string> = {};
  for (const declared of template.spec.args ?? []) {
    const raw = given.get(declared.name) ?? declared.value;
    if (raw === undefined)
      throw new Error(`template ${template.name}: argument "${declared.name}" has no value`);
    out[declared.name] = substitute(raw, "rollout", rollout);
  }
  return out;
}

function duration(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}

function provider(m: MetricInput, fill: (s: string) => string, where: string): Provider {
  const { prometheus, web } = m.provider;
  if (prometheus && !web) {
    return {
      prometheus: {
        address: fill(prometheus.address),
        query: fill(prometheus.query),
        timeoutMs: duration(prometheus.timeout, `${where}: timeout`) ?? defaultTimeoutMs,
        ...(prometheus.bearerToken && {
          bearerToken: {
            secretName: prometheus.bearerToken.secretKeyRef.name,
            key: prometheus.bearerToken.secretKeyRef.key,
          },
        }),
      },
    };
  }
  if (web && !prometheus) {
    return {
      web: {
        url: fill(web.url),
        method: web.method ?? "GET",
        headers: (web.headers ?? []).map((h) => ({ key: h.key, value: fill(h.value) })),
        ...(web.body !== undefined && { body: fill(web.body) }),
        jsonPath: fill(web.jsonPath),
        timeoutMs: duration(web.timeout, `${where}: timeout`) ?? defaultTimeoutMs,
      },
    };
  }
  throw new Error(`${where}: exactly one provider (prometheus or web) must be set`);
}

function metric(m: MetricInput, fill: (s: string) => string, where: string, background: boolean): MetricSpec {
  for (const key of ["successCondition", "failureCondition"] as const) {
    const expression = m[key];
    const error = expression === undefined ? undefined : conditionError(expression);
    if (error) throw new Error(`${where}: ${key}: ${error}`);
  }
  const count = m.count ?? (background ? 0 : 1);
  if (count === 0 && !background) {
    throw new Error(`${where}: count 0 ("until the last step") is for background analysis only`);
  }
  const intervalMs = duration(m.interval, `${where}: interval`);
  return {
    name: m.name,
    provider: provider(m, fill, where),
    ...(m.successCondition !== undefined && { successCondition: m.successCondition }),
    ...(m.failureCondition !== undefined && { failureCondition: m.failureCondition }),
    ...(intervalMs !== undefined && { intervalMs }),
    initialDelayMs: duration(m.initialDelay, `${where}: initialDelay`) ?? 0,
    count,
    failureLimit: m.failureLimit ?? 0,
    inconclusiveLimit: m.inconclusiveLimit ?? 0,
    consecutiveErrorLimit: m.consecutiveErrorLimit ?? defaultConsecutiveErrorLimit,
    noData: m.noData ?? "inconclusive",
  };
}

/** The run a reference asks for. `templates` are the objects it names, as read. */
export function resolveRun(
  ref: AnalysisRef,
  templates: TemplateObject[],
  context: RolloutContext,
  background: boolean,
): ResolvedRun {
  const rollout = { ...context };
  const metrics: MetricSpec[] = [];
  for (const r of ref.templates) {
    const clusterScope = r.clusterScope ?? false;
    const template = templates.find((t) => t.name === r.templateName && t.clusterScope === clusterScope);
    const kind = clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
    if (!template) throw new Error(`${kind} "${r.templateName}" not found`);
    const values = args(template, ref, rollout);
    const fill = (s: string) => substitute(substitute(s, "args", values), "rollout", rollout);
    for (const m of template.spec.metrics) {
      const where = `${kind} ${template.name}, metric ${m.name}`;
      if (metrics.some((x) => x.name === m.name)) throw new Error(`${where}: metric name used twice`);
      metrics.push(metric(m, fill, where, background));
    }
  }
  return { templates: ref.templates.map((t) => t.templateName), metrics };
}
