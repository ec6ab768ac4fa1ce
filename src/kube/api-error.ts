// A failed API call, carrying the HTTP code and the apiserver's Status reason, so callers branch
// on meaning (NotFound, Conflict, Gone) rather than on message text.

export interface ApiStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: unknown;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: ApiStatus | undefined;

  constructor(code: number, status?: ApiStatus, fallbackMessage?: string) {
    super(status?.message ?? fallbackMessage ?? `API request failed with HTTP ${code}`);
    this.name = "ApiError";
    this.code = code;
    this.reason = status?.reason ?? "";
    this.status = status;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.code === 404;
}

export function isAlreadyExists(error: unknown): boolean {
  return error instanceof ApiError && error.code === 409 && error.reason === "AlreadyExists";
}

/** The requested resourceVersion is older than etcd keeps: the watcher must re-list. */
export function isGone(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 410 || error.reason === "Expired");
}

/**
 * The object changed since we read it (a write guarded by its resourceVersion lost a race). The
 * right move is to re-read and re-plan, never to overwrite. jsonPatch turns its guard's failure
 * into this same 409.
 */
export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.code === 409 && error.reason !== "AlreadyExists";
}
