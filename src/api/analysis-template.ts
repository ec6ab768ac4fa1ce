import { z } from "zod";
import { celMeta } from "./cel.js";
import { int32, ObjectMeta } from "./meta.js";

// AnalysisTemplate (namespaced) and ClusterAnalysisTemplate (cluster-scoped), rollouts.kruise.io/v1alpha1.
// Kinds of their own rather than fields of the Rollout: no old client ever writes them, so nothing
// in them can be wiped by a v0.3.0 full-object write, and one template serves many Rollouts.
// v1alpha1 because the kinds are new and may still change; they need no conversion.
// The shape follows Argo Rollouts' templates where the meaning is the same (metrics, args,
// successCondition, failureLimit…), so porting one is mostly a matter of the expression syntax.

/** Go-style duration: "30s", "1m30s", "500ms". */
export const Duration = z
  .string()
  .max(32)
  .regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/);

/** Substituted with `{{args.<name>}}` in queries, URLs, headers and bodies. */
export const TemplateArg = z.object({
  name: z.string().min(1),
  /** Default value; may use the `{{rollout.*}}` placeholders. */
  value: z.string().optional(),
});

const SecretKeyRef = z.object({ name: z.string().min(1), key: z.string().min(1) });

export const PrometheusMetric = z.object({
  /** e.g. http://prometheus.monitoring:9090 */
  address: z.string().min(1),
  /** PromQL, evaluated as an instant query. An empty vector or NaN is "no data". */
  query: z.string().min(1),
  /** Default 10s. */
  timeout: Duration.optional(),
  /** Bearer token read from a Secret in the Rollout's namespace. */
  bearerToken: z.object({ secretKeyRef: SecretKeyRef }).optional(),
});

export const WebMetric = z.object({
  url: z.string().min(1),
  method: z.enum(["GET", "POST"]).optional(),
  headers: z.array(z.object({ key: z.string().min(1), value: z.string() })).optional(),
  body: z.string().optional(),
  /** RFC 9535 JSONPath into the JSON response, e.g. `$.data.errorRate` (`{$.x}` is accepted too). */
  jsonPath: z.string().min(1),
  /** Default 10s. */
  timeout: Duration.optional(),
});

export const MetricProvider = z
  .object({ prometheus: PrometheusMetric.optional(), web: WebMetric.optional() })
  .meta(
    celMeta({
      rule: "has(self.prometheus) != has(self.web)",
      message: "exactly one provider (prometheus or web) must be set",
    }),
  );

export const NoDataPolicy = z.enum(["pass", "fail", "inconclusive", "retry"]);

export const Metric = z.object({
  name: z.string().min(1),
  provider: MetricProvider,
  /** CEL over `result`, e.g. `result < 0.05`. */
  successCondition: z.string().optional(),
  /** CEL over `result`, e.g. `result >= 0.1`. */
  failureCondition: z.string().optional(),
  /** Time between measurements; without it a single measurement is taken. */
  interval: Duration.optional(),
  /** Wait before the first measurement, e.g. for traffic to reach the canary. */
  initialDelay: Duration.optional(),
  /** Counted measurements that end the metric. Default 1; in a background analysis 0 means "until the last step". */
  count: int32().min(0).optional(),
  /** Failed measurements tolerated. Default 0. */
  failureLimit: int32().min(0).optional(),
  /** Inconclusive measurements tolerated. Default 0. */
  inconclusiveLimit: int32().min(0).optional(),
  /** Provider errors (and retried no-data results) in a row before they count. Default 4. */
  consecutiveErrorLimit: int32().min(1).optional(),
  /**
   * What an empty result (or NaN, or a provider that keeps failing) counts as: pass, fail,
   * inconclusive (the default: a person decides), or retry (measure again, up to
   * consecutiveErrorLimit times in a row, then inconclusive).
   */
  noData: NoDataPolicy.optional(),
});

export const AnalysisTemplateSpec = z.object({
  args: z.array(TemplateArg).optional(),
  metrics: z.array(Metric).min(1).max(20),
});
export type AnalysisTemplateSpec = z.infer<typeof AnalysisTemplateSpec>;
export type MetricInput = z.input<typeof Metric>;

export const AnalysisTemplate = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.optional(),
  spec: AnalysisTemplateSpec,
});
export type AnalysisTemplate = z.infer<typeof AnalysisTemplate>;
