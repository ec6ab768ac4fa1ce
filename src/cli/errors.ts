// Turns whatever a command threw into the message and exit code the user sees, worded like
// kubectl's "Error from server (Reason): …" so the CLI reads like its neighbours.
import { ApiError } from "../kube/api-error.js";
import { CliError, ExitCode } from "./exit-codes.js";

export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof ApiError) {
    const reason = error.reason || httpReason(error.code);
    const message = `Error from server (${reason}): ${error.message}`;
    if (error.code === 404) return new CliError(message, ExitCode.notFound);
    if (error.code === 401 || error.code === 403) return new CliError(message, ExitCode.noAccess);
    if (error.code === 409) return new CliError(`${message}; retry the command`, ExitCode.failure);
    return new CliError(message, ExitCode.failure);
  }
  return new CliError(error instanceof Error ? error.message : String(error), ExitCode.failure);
}

function httpReason(code: number): string {
  if (code === 401) return "Unauthorized";
  if (code === 403) return "Forbidden";
  if (code === 404) return "NotFound";
  return `HTTP ${code}`;
}

/** The error upstream's kubectl plugin prints for a refused command, e.g. `… "web" is already paused`. */
export function wrongState(name: string, why: string): CliError {
  return new CliError(`rollouts.rollouts.kruise.io "${name}" ${why}`, ExitCode.wrongState);
}
