// The controller's plain-HTTP listener: /healthz (the process serves), /readyz (caches synced)
// and /metrics (Prometheus text format). Probes and scrapes share one port, as upstream's chart expects.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

export function probeHandler(registry: Registry, ready: () => boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://probe").pathname;
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(error.message),
      );
      return;
    }
    const ok = path === "/healthz" || (path === "/readyz" && ready());
    const known = path === "/healthz" || path === "/readyz";
    res
      .writeHead(ok ? 200 : known ? 503 : 404, { "content-type": "text/plain" })
      .end(ok ? "ok" : known ? "not ready" : "not found");
  };
}
