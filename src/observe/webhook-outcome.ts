// Webhook metrics: what each answer meant, read from the review the server sent back.
import type { Metrics } from "./metrics.js";

export type WebhookOutcome = "allowed" | "denied" | "converted" | "error";

export function webhookOutcome(httpStatus: number, body: unknown): WebhookOutcome {
  if (httpStatus !== 200) return "error";
  const response = (body as { response?: Record<string, unknown> } | undefined)?.response;
  if (!response) return "error";
  if (typeof response.allowed === "boolean") {
    if (response.allowed) return "allowed";
    // A handler that threw answers "not allowed" with a 500 status: that is an error, not a decision.
    const code = (response.status as { code?: number } | undefined)?.code ?? 0;
    return code >= 500 ? "error" : "denied";
  }
  const result = response.result as { status?: string } | undefined;
  return result?.status === "Success" ? "converted" : "error";
}

/** Paths outside `routes` (scanners, typos) share one label value, so they cannot grow the series. */
export function recordWebhook(metrics: Metrics, routes: readonly string[]) {
  const known = new Set(routes);
  return (path: string, httpStatus: number, body: unknown, seconds: number): void => {
    const webhook = known.has(path) ? path : "other";
    metrics.webhookRequests.inc({ webhook, outcome: webhookOutcome(httpStatus, body) });
    metrics.webhookLatency.observe({ webhook }, seconds);
  };
}
