import { type JsonValue, query } from "jsonpath-rfc9535";
import type { Observation, WebProvider } from "./model.js";
import { errorText, fromValues } from "./observation.js";

// The web provider: an HTTP request whose JSON answer is narrowed by an RFC 9535 JSONPath. Thin I/O.

/** Argo writes JSONPath as `{$.data.ok}`; the braces are accepted and dropped. */
const bare = (path: string) => path.trim().replace(/^\{(.*)\}$/s, "$1");

export async function measureWeb(w: WebProvider["web"]): Promise<Observation> {
  let response: Response;
  try {
    response = await fetch(w.url, {
      method: w.method,
      headers: Object.fromEntries(w.headers.map((h) => [h.key, h.value])),
      ...(w.body !== undefined && { body: w.body }),
      signal: AbortSignal.timeout(w.timeoutMs),
    });
  } catch (err) {
    return { kind: "error", message: `${w.url} unreachable: ${errorText(err)}` };
  }
  if (!response.ok) return { kind: "error", message: `${w.url} answered HTTP ${response.status}` };
  let json: JsonValue;
  try {
    json = (await response.json()) as JsonValue;
  } catch {
    return { kind: "error", message: `${w.url} did not answer JSON` };
  }
  try {
    return fromValues(query(json, bare(w.jsonPath)), `JSONPath ${w.jsonPath}`);
  } catch (err) {
    return { kind: "error", message: `JSONPath ${w.jsonPath}: ${(err as Error).message}` };
  }
}
