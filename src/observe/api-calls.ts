// API request metrics. Calls are labelled with their Kubernetes verb and resource — GET on a
// collection is a list (or a watch), on a name a get — never with names or namespaces, so the
// label set stays bounded however many objects the controller touches.
import type { ApiCall } from "../kube/client.js";
import type { Metrics } from "./metrics.js";

export function apiVerb(method: string, path: string, watch: boolean): { verb: string; resource: string } {
  // /api/v1/… or /apis/<group>/<version>/…, then optional namespaces/<ns>, then plural[/name[/sub]].
  const parts = path.split("?")[0]?.split("/").filter(Boolean) ?? [];
  let rest = parts[0] === "api" ? parts.slice(2) : parts.slice(3);
  if (rest[0] === "namespaces" && rest.length > 2) rest = rest.slice(2);
  const [plural = "", name, subresource] = rest;
  const resource = subresource ? `${plural}/${subresource}` : plural;
  const named = name !== undefined;
  const verbs: Record<string, string> = {
    GET: watch ? "watch" : named ? "get" : "list",
    POST: "create",
    PUT: "update",
    PATCH: "patch",
    DELETE: named ? "delete" : "deletecollection",
  };
  return { verb: verbs[method] ?? method.toLowerCase(), resource };
}

export function recordApiCall(metrics: Metrics): (call: ApiCall) => void {
  return (call) => {
    const { verb, resource } = apiVerb(call.method, call.path, call.watch);
    metrics.apiRequests.inc({ verb, resource, code: String(call.code) });
    // A watch's "duration" is the time to open the stream, comparable with the other calls.
    metrics.apiLatency.observe({ verb }, call.seconds);
  };
}
