import type { Observation, PrometheusProvider } from "./model.js";
import { errorText, fromValues } from "./observation.js";

// The Prometheus provider: one instant query over the HTTP API (/api/v1/query). Thin I/O; the
// meaning of the answer is decided by fromValues and the evaluation.

interface QueryResponse {
  status: "success" | "error";
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

function valuesOf(data: NonNullable<QueryResponse["data"]>): unknown[] {
  switch (data.resultType) {
    case "vector":
      return (data.result as { value: [number, string] }[]).map((s) => Number(s.value[1]));
    case "scalar":
      return [Number((data.result as [number, string])[1])];
    default:
      throw new Error(`result type ${data.resultType} is not supported; use an instant vector or scalar`);
  }
}

export async function measurePrometheus(
  p: PrometheusProvider["prometheus"],
  token: string | undefined,
): Promise<Observation> {
  const url = `${p.address.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(p.query)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json", ...(token && { authorization: `Bearer ${token}` }) },
      signal: AbortSignal.timeout(p.timeoutMs),
    });
  } catch (err) {
    return { kind: "error", message: `prometheus ${p.address} unreachable: ${errorText(err)}` };
  }
  let body: QueryResponse;
  try {
    body = (await response.json()) as QueryResponse;
  } catch {
    return {
      kind: "error",
      message: `prometheus ${p.address} answered HTTP ${response.status} without JSON`,
    };
  }
  if (body.status !== "success" || !body.data) {
    return {
      kind: "error",
      message: `prometheus query failed (${body.errorType ?? response.status}): ${body.error ?? ""}`,
    };
  }
  try {
    return fromValues(valuesOf(body.data), "the query");
  } catch (err) {
    return { kind: "error", message: (err as Error).message };
  }
}
