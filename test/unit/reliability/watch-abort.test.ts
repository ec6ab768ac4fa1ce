import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../../src/kube/api-error.js";
import { createKubeClient, type KubeClient } from "../../../src/kube/client.js";

// Found by the kill-and-restart tests (issue 11): a watch that ends on an ERROR event (410 Gone
// after an apiserver restart) closes its line reader, then aborts the request; the aborted
// response's error was re-emitted by the readline Interface with nobody listening, and the
// controller process died of an unhandled 'error' event. The watch must end through `done` only.

let server: Server;
let client: KubeClient;
const open: ServerResponse[] = [];
let uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    open.push(res);
    if (req.url?.includes("gone")) {
      res.write(
        `${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" } })}\n`,
      );
    } else {
      res.write(`${JSON.stringify({ type: "ADDED", object: { metadata: { name: "a" } } })}\n`);
    }
    // and keep the stream open, as the apiserver does
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "krt-watch-")), "kubeconfig.yaml");
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`,
  );
  client = createKubeClient({ kubeconfig });
  process.on("uncaughtException", onUncaught);
});

afterAll(async () => {
  process.off("uncaughtException", onUncaught);
  for (const res of open) res.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe("a watch that ends", () => {
  it("on an ERROR event rejects done with the Status and crashes nothing when the request is aborted", async () => {
    uncaught = [];
    const stream = client.watch("/api/v1/gone", {}, () => undefined, 30_000);
    const error = await stream.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(410);
    await new Promise((r) => setTimeout(r, 300));
    expect(uncaught).toEqual([]);
  });

  it("when the server resets the connection rejects done and crashes nothing", async () => {
    uncaught = [];
    const events: unknown[] = [];
    const stream = client.watch("/api/v1/pods", {}, (e) => events.push(e), 30_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toHaveLength(1);
    open.at(-1)?.socket?.destroy();
    await stream.done.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(uncaught).toEqual([]);
  });

  it("when we abort it resolves done and crashes nothing", async () => {
    uncaught = [];
    const stream = client.watch("/api/v1/pods", {}, () => undefined, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    stream.abort();
    await stream.done;
    await new Promise((r) => setTimeout(r, 300));
    expect(uncaught).toEqual([]);
  });
});
