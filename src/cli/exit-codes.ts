// Exit codes scripts can branch on. Each failure class has its own code so a CI step can tell
// "the rollout is not there" from "it is there but not in a state this command applies to".

export const ExitCode = {
  ok: 0,
  /** Anything not classified below: the API server unreachable, a 5xx, a bug. */
  failure: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** The Rollout (or an object it names) does not exist. */
  notFound: 3,
  /** The Rollout exists but its state does not allow the command (e.g. approve when not paused). */
  wrongState: 4,
  /** The credentials may not read or write the object (HTTP 401/403). */
  noAccess: 5,
  /** `wait` gave up before the condition held. */
  timeout: 6,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = "CliError";
  }
}
