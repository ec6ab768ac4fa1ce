// The one way this process talks to the API server. Every request passes the same
// token bucket and carries the same User-Agent, so QPS/burst flags bound the whole controller.
//
// Raw requests and watches go through node:https directly rather than client-node's fetch-based
// helpers because we need, in one place: the Status body of a failed call (409 vs 422 vs 410
// decide what the caller does), the status subresource and JSON-patch content types (which
// KubernetesObjectApi.patch cannot address), a keep-alive agent (client-node builds a new
// agent per call), and a watch stream whose ERROR events surface as errors. Credentials come from
// credentials.ts.
import http from "node:http";
import https from "node:https";
import { createInterface } from "node:readline";
import packageJson from "../../package.json" with { type: "json" };
import { ApiError, type ApiStatus } from "./api-error.js";
import { type Clock, systemClock } from "./clock.js";
import { type Credentials, loadCredentials } from "./credentials.js";
import type { KubeConfigSource } from "./kubeconfig.js";
import type { KubeObject } from "./object.js";
import { TokenBucket } from "./token-bucket.js";

export const userAgent = `kruise-rollout-ts/${packageJson.version}`;

export interface KubeClientOptions {
  /** controller-runtime's defaults (20/30); client-go's own 5/10 is too slow for a re-list storm. */
  qps?: number;
  burst?: number;
  clock?: Clock;
  /** Told about every answered or failed call (code 0: no answer), for the API request metrics. */
  onResponse?: (call: ApiCall) => void;
}

export interface ApiCall {
  method: ApiRequest["method"];
  path: string;
  watch: boolean;
  code: number;
  seconds: number;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface ApiRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Query;
  body?: unknown;
  /** Defaults to application/json; patches name their flavour here. */
  contentType?: string;
  /** Idle-socket timeout; a stuck call must not hold a worker forever. */
  timeoutMs?: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent<T extends KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface WatchStream {
  /** Settles when the server ends the stream (resolves) or on an error or ERROR event (rejects). */
  readonly done: Promise<void>;
  /** Ends the stream from our side; `done` then resolves. */
  abort(): void;
}

const defaultTimeoutMs = 30_000;

export class KubeClient {
  private readonly bucket: TokenBucket;
  private readonly server: URL;
  private keepAlive: { material: string; agent: http.Agent } | undefined;
  private readonly onResponse: ((call: ApiCall) => void) | undefined;

  constructor(
    private readonly credentials: Credentials,
    options: KubeClientOptions = {},
  ) {
    this.bucket = new TokenBucket(options.qps ?? 20, options.burst ?? 30, options.clock ?? systemClock);
    this.server = credentials.server;
    this.onResponse = options.onResponse;
  }

  /** The namespace of the current context ("default" when it names none), e.g. for in-cluster pods. */
  get namespace(): string {
    return this.credentials.namespace;
  }

  /** Sends one request and returns the decoded JSON body; a non-2xx answer throws ApiError. */
  async request<T>(req: ApiRequest): Promise<T> {
    const response = await this.open(req);
    const text = await readBody(response);
    const code = response.statusCode ?? 0;
    if (code < 200 || code >= 300) throw new ApiError(code, parseStatus(text), text.slice(0, 500));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Opens a watch. Events are delivered in order; a Status carried by an ERROR event (410 Gone
   * above all) rejects `done`, so the caller handles it like any failed call.
   */
  watch<T extends KubeObject>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    idleTimeoutMs: number,
  ): WatchStream {
    const controller = new AbortController();
    const done = (async () => {
      const request = { method: "GET", path, query: { ...query, watch: true }, timeoutMs: idleTimeoutMs };
      const response = await this.open(request as ApiRequest, controller.signal);
      if (response.statusCode !== 200) {
        const text = await readBody(response);
        throw new ApiError(response.statusCode ?? 0, parseStatus(text), text.slice(0, 500));
      }
      const lines = createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY });
      // While the loop below runs, a failed stream rejects it. After it (an ERROR event, or the
      // abort in `done.finally`) the aborted response still errors, and the Interface re-emits
      // that: without a listener it would be an unhandled 'error' event that kills the process.
      lines.on("error", () => {});
      for await (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as { type: string; object: unknown };
        if (event.type === "ERROR") {
          const status = event.object as ApiStatus;
          throw new ApiError(status.code ?? 500, status);
        }
        onEvent(event as WatchEvent<T>);
      }
    })().catch((error: unknown) => {
      if (controller.signal.aborted) return;
      throw error;
    });
    // The stream's end is always observed through `done`, never as an unhandled rejection.
    done.catch(() => {});
    return {
      done: done.finally(() => controller.abort()),
      abort: () => controller.abort(),
    };
  }

  private async open(req: ApiRequest, signal?: AbortSignal): Promise<http.IncomingMessage> {
    await this.bucket.take();
    if (!this.onResponse) return this.send(req, signal);
    const started = performance.now();
    const report = (code: number) =>
      this.onResponse?.({
        method: req.method,
        path: req.path,
        watch: req.query?.watch === true,
        code,
        seconds: (performance.now() - started) / 1000,
      });
    try {
      const response = await this.send(req, signal);
      report(response.statusCode ?? 0);
      return response;
    } catch (error) {
      report(0);
      throw error;
    }
  }

  private async send(req: ApiRequest, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const url = new URL(this.server.pathname.replace(/\/$/, "") + req.path, this.server);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    // Re-applied per request so rotated service-account tokens and exec credentials are picked up.
    const auth: https.RequestOptions = {};
    await this.credentials.apply(auth);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: http.OutgoingHttpHeaders = {
      ...(auth.headers as http.OutgoingHttpHeaders | undefined),
      Accept: "application/json",
      "User-Agent": userAgent,
    };
    if (body !== undefined) {
      headers["Content-Type"] = req.contentType ?? "application/json";
      headers["Content-Length"] = Buffer.byteLength(body);
    }
    const transport = url.protocol === "http:" ? http : https;
    const options: https.RequestOptions = {
      method: req.method,
      headers,
      agent: this.agentFor(auth, url.protocol),
      timeout: req.timeoutMs ?? defaultTimeoutMs,
      ...(auth.auth ? { auth: auth.auth } : {}),
      ...(signal ? { signal } : {}),
    };
    return new Promise((resolve, reject) => {
      const outgoing = transport.request(url, options, resolve);
      outgoing.on("error", reject);
      outgoing.on("timeout", () =>
        outgoing.destroy(new Error(`${req.method} ${req.path}: no answer within ${options.timeout} ms`)),
      );
      outgoing.end(body);
    });
  }

  /** One keep-alive agent per set of TLS credentials; a proxy agent from client-node is used as is. */
  private agentFor(auth: https.RequestOptions, protocol: string): http.Agent {
    if (auth.agent instanceof http.Agent) return auth.agent;
    const tls = {
      ca: auth.ca,
      cert: auth.cert,
      key: auth.key,
      servername: auth.servername,
      rejectUnauthorized: auth.rejectUnauthorized,
    };
    const material = JSON.stringify([protocol, tls]);
    if (this.keepAlive?.material !== material) {
      this.keepAlive?.agent.destroy();
      const agent =
        protocol === "http:"
          ? new http.Agent({ keepAlive: true })
          : new https.Agent({ keepAlive: true, ...withoutUndefined(tls) });
      this.keepAlive = { material, agent };
    }
    return this.keepAlive.agent;
  }
}

export function createKubeClient(source: KubeConfigSource & KubeClientOptions = {}): KubeClient {
  return new KubeClient(loadCredentials(source), source);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function readBody(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseStatus(text: string): ApiStatus | undefined {
  try {
    const parsed = JSON.parse(text) as ApiStatus;
    return parsed?.kind === "Status" ? parsed : undefined;
  } catch {
    return undefined;
  }
}
