import { readFileSync } from "node:fs";
import { request } from "node:https";
import type { Pki } from "./pki.js";

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * A GET against a local HTTPS endpoint with the admin client certificate.
 * `verify: false` is for kube-controller-manager and kube-scheduler, which serve
 * self-signed certificates of their own.
 */
export function adminGet(url: string, pki: Pki, verify = true, timeoutMs = 3000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: readFileSync(pki.caCert),
        cert: readFileSync(pki.adminCert),
        key: readFileSync(pki.adminKey),
        rejectUnauthorized: verify,
        timeout: timeoutMs,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * Polls `probe` until it answers true. `fatal` is checked first on every round: when
 * it returns a message (say, the process exited) waiting stops at once with it.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  fatal: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    const reason = fatal();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not become ready in ${timeoutMs / 1000}s${lastError ? `: ${lastError}` : ""}`);
}
