// The one HTTPS server the apiserver calls for admission and conversion. Routes are registered by
// path; each route parses its envelope, calls a pure handler, and wraps the answer. Whatever a
// handler does — throw, reject, return garbage — the apiserver gets a well-formed review that
// says so, and the process keeps serving: a crashed webhook with failurePolicy Fail would block
// every Deployment update in the cluster.
//
// Certificates are swapped in place with setSecureContext when they rotate: new TLS handshakes
// use the new pair, open connections finish with the old one, nothing restarts.
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import {
  type AdmissionHandler,
  admissionFailure,
  admissionResponse,
  type ConversionHandler,
  conversionFailure,
  conversionResponse,
  parseAdmissionReview,
  parseConversionReview,
  ReviewError,
} from "./review.js";

export interface ServingCert {
  certPem: string;
  keyPem: string;
}

export interface WebhookServerOptions {
  cert: ServingCert;
  /** 0 picks a free port (tests). Upstream's default is 9876. */
  port?: number;
  /** "0.0.0.0" in a pod; "127.0.0.1" for a controller run outside the cluster. */
  host?: string;
  /** Above the apiserver's own limits for an AdmissionReview (object + oldObject) with headroom. */
  maxBodyBytes?: number;
  /** The apiserver gives up after 30 s at most; never hold a socket longer than that. */
  requestTimeoutMs?: number;
  onError?: (error: unknown, path: string) => void;
  /** Told about every answer: its HTTP status, the body sent, and the time taken (webhook metrics). */
  onServed?: (path: string, httpStatus: number, body: unknown, seconds: number) => void;
}

type Route = (body: unknown) => Promise<unknown>;

export const defaultWebhookPort = 9876;
const defaultMaxBodyBytes = 16 * 1024 * 1024;
const defaultRequestTimeoutMs = 30_000;

export class WebhookServer {
  private readonly server: https.Server;
  private readonly routes = new Map<string, Route>();
  private readonly options: WebhookServerOptions;

  constructor(options: WebhookServerOptions) {
    this.options = options;
    this.server = https.createServer(
      {
        cert: options.cert.certPem,
        key: options.cert.keyPem,
        minVersion: "TLSv1.2",
        requestTimeout: options.requestTimeoutMs ?? defaultRequestTimeoutMs,
        headersTimeout: Math.min(10_000, options.requestTimeoutMs ?? defaultRequestTimeoutMs),
      },
      (req, res) => void this.serve(req, res),
    );
    // A client that misbehaves at the TLS or HTTP level is its own problem, not a crash.
    this.server.on("clientError", (_error, socket) => socket.destroy());
  }

  /** Registers an admission webhook (mutating or validating) at `path`, e.g. /mutate-workload. */
  admission(path: string, handler: AdmissionHandler): this {
    return this.route(path, async (body) => {
      const review = parseAdmissionReview(body);
      try {
        return admissionResponse(review, await handler(review.request));
      } catch (error) {
        this.options.onError?.(error, path);
        return admissionFailure(review, error);
      }
    });
  }

  /** Registers a CRD conversion webhook at `path`, e.g. /convert. */
  conversion(path: string, handler: ConversionHandler): this {
    return this.route(path, async (body) => {
      const review = parseConversionReview(body);
      try {
        const converted = await handler(review.request);
        if (!Array.isArray(converted) || converted.length !== review.request.objects.length) {
          throw new Error("conversion must return exactly one object per input object");
        }
        return conversionResponse(review, converted);
      } catch (error) {
        this.options.onError?.(error, path);
        return conversionFailure(review, error);
      }
    });
  }

  /** Serves new TLS handshakes with this certificate from now on. */
  setCertificate(cert: ServingCert): void {
    this.server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
  }

  async listen(): Promise<AddressInfo> {
    const { port = defaultWebhookPort, host = "0.0.0.0" } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /**
   * Stops accepting connections and resolves once in-flight requests have been answered, or
   * after `graceMs`: the apiserver keeps its keep-alive connections busy, and without a bound
   * close() could wait on them for minutes.
   */
  async close(graceMs = 5000): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const cutoff = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(cutoff);
  }

  private route(path: string, route: Route): this {
    if (this.routes.has(path)) throw new Error(`webhook route ${path} registered twice`);
    this.routes.set(path, route);
    return this;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "https://webhook").pathname;
    const started = performance.now();
    const answer = (status: number, body: unknown) => {
      send(res, status, body);
      this.options.onServed?.(path, status, body, (performance.now() - started) / 1000);
    };
    try {
      const route = this.routes.get(path);
      if (!route) throw new ReviewError(`no webhook at ${path}`, 404);
      if (req.method !== "POST") throw new ReviewError(`${req.method} not allowed; POST a review`, 405);
      const body = await readJson(req, this.options.maxBodyBytes ?? defaultMaxBodyBytes);
      answer(200, await route(body));
    } catch (error) {
      // Only envelope-level failures land here (no uid to answer in), or a bug in this file.
      const status = error instanceof ReviewError ? error.httpStatus : 500;
      if (status === 500) this.options.onError?.(error, path);
      answer(status, { kind: "Status", status: "Failure", code: status, message: messageOf(error) });
    }
  }
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) throw new ReviewError(`body larger than ${maxBytes} bytes`, 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new ReviewError(`body larger than ${maxBytes} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new ReviewError("body is not JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    // The unread rest of an oversized body would otherwise be parsed as the next request.
    ...(status === 413 ? { Connection: "close" } : {}),
  });
  res.end(text);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
