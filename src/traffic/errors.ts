// Failures of the traffic core are values, never exceptions: a broken user script must end up
// as a message in the Rollout's status, and must not take the controller down.

export type TrafficErrorKind =
  /** Neither the built-in scripts nor the ConfigMap provide a script for this provider. */
  | "script-not-found"
  | "lua-syntax"
  | "lua-runtime"
  | "lua-timeout"
  | "lua-memory"
  /** The script ran but returned something the provider cannot use. */
  | "lua-result"
  /** An observed object lacks something the provider needs (e.g. the stable Ingress). */
  | "invalid-object";

export interface TrafficError {
  kind: TrafficErrorKind;
  message: string;
  /** The ConfigMap key or built-in path of the script involved, when there is one. */
  scriptKey?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: TrafficError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(kind: TrafficErrorKind, message: string, scriptKey?: string): Result<never> {
  return { ok: false, error: scriptKey === undefined ? { kind, message } : { kind, message, scriptKey } };
}
