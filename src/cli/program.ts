// The command tree. `run` takes its I/O and its cluster factory as arguments, so the argument
// parsing and the exit-code mapping are tested without a process or a cluster.
import { basename } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { parseDuration } from "../kube/duration.js";
import type { Cluster } from "./cluster.js";
import { approve } from "./commands/approve.js";
import { readHistory, renderHistory } from "./commands/history.js";
import { listRows, renderList } from "./commands/list.js";
import { setPaused } from "./commands/pause.js";
import { promote } from "./commands/promote.js";
import { retry } from "./commands/retry.js";
import { status } from "./commands/status.js";
import { abort, undo } from "./commands/undo.js";
import { parseWaitFor, waitFor } from "./commands/wait.js";
import { toCliError } from "./errors.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { parseOutput, serialize } from "./output.js";
import { painter, useColor } from "./render/style.js";

export interface ClusterOptions {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
}

export interface CliDeps {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  connect: (options: ClusterOptions) => Cluster;
  /** Aborted on Ctrl-C; ends `status --watch` cleanly. */
  signal?: AbortSignal;
}

/** "kubectl kruise-rollout" when run as the kubectl plugin, so hints show what the user typed. */
export function programName(argv1: string | undefined): string {
  const base = basename(argv1 ?? "").replace(/\.(m?js|ts)$/, "");
  return base.startsWith("kubectl-")
    ? `kubectl ${base.slice("kubectl-".length).replace(/_/g, "-")}`
    : "kruise-rollout";
}

/** Accepts `web`, `rollout/web`, `rollouts/web` and `rollout.rollouts.kruise.io/web`, as kubectl-kruise does. */
export function rolloutName(arg: string): string {
  const slash = arg.indexOf("/");
  if (slash < 0) return arg;
  const kind = arg.slice(0, slash);
  if (!/^rollouts?(\.rollouts\.kruise\.io)?$/.test(kind))
    throw new CliError(`"${arg}" is not a rollout; name it as NAME or rollout/NAME`, ExitCode.usage);
  return arg.slice(slash + 1);
}

function positiveInt(flag: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new CliError(`${flag} must be a whole number, got "${value}"`, ExitCode.usage);
    return n;
  };
}

export async function run(argv: string[], deps: CliDeps): Promise<number> {
  const name = programName(argv[1]);
  let exitCode: number = ExitCode.ok;
  const print = (text: string) => {
    if (text) deps.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  };
  const program = new Command(name)
    .description("Inspect and drive Kruise Rollouts (rollouts.kruise.io)")
    .addOption(new Option("-n, --namespace <ns>", "namespace of the rollout (default: the context's)"))
    .addOption(new Option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)"))
    .addOption(new Option("--context <name>", "kubeconfig context to use"))
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.stdout.write(s),
      writeErr: (s) => deps.stderr.write(s),
    })
    .showHelpAfterError("(add --help for usage)");
  const cluster = (command: Command) => deps.connect(command.optsWithGlobals() as ClusterOptions);
  const act =
    (fn: (...args: never[]) => Promise<string | undefined>) =>
    async (...args: unknown[]) =>
      print((await (fn as (...a: unknown[]) => Promise<string>)(...args)) ?? "");

  program
    .command("status")
    .description("show every step, pod counts, traffic, batches and what the rollout waits for")
    .argument("<rollout>")
    .option("-w, --watch", "redraw as the rollout changes, until Ctrl-C")
    .option("-o, --output <format>", "json or yaml")
    .action(
      act(async (arg: string, opts: { watch?: boolean; output?: string }, command: Command) =>
        status(cluster(command), rolloutName(arg), {
          output: parseOutput(opts.output),
          paint: painter(useColor(deps.stdout, deps.env)),
          program: name,
          watch: opts.watch === true,
          stdout: deps.stdout,
          ...(deps.signal ? { signal: deps.signal } : {}),
        }),
      ),
    );
  program
    .command("list")
    .description("list rollouts with phase, step and message")
    .option("-A, --all-namespaces", "every namespace")
    .option("-o, --output <format>", "json or yaml")
    .action(
      act(async (opts: { allNamespaces?: boolean; output?: string }, command: Command) => {
        const output = parseOutput(opts.output);
        const rows = listRows(await cluster(command).listRollouts(opts.allNamespaces === true));
        return output === "text" ? renderList(rows, opts.allNamespaces === true) : serialize(rows, output);
      }),
    );
  program
    .command("approve")
    .description("approve the current step when it waits for approval (StepPaused)")
    .argument("<rollout>")
    .action(
      act(async (arg: string, _o: unknown, command: Command) => approve(cluster(command), rolloutName(arg))),
    );
  program
    .command("pause")
    .description("set spec.strategy.paused: the rollout stops before its next move")
    .argument("<rollout>")
    .action(
      act(async (arg: string, _o: unknown, command: Command) =>
        setPaused(cluster(command), rolloutName(arg), true),
      ),
    );
  program
    .command("resume")
    .description("clear spec.strategy.paused")
    .argument("<rollout>")
    .action(
      act(async (arg: string, _o: unknown, command: Command) =>
        setPaused(cluster(command), rolloutName(arg), false),
      ),
    );
  program
    .command("promote")
    .description("move on past whatever holds the rollout (pause and step approval)")
    .argument("<rollout>")
    .option("--full", "skip the remaining steps: jump to the last one")
    .action(
      act(async (arg: string, opts: { full?: boolean }, command: Command) =>
        promote(cluster(command), rolloutName(arg), opts.full === true),
      ),
    );
  program
    .command("retry")
    .description("run the current step again (its batch, traffic and pause)")
    .argument("<rollout>")
    .action(
      act(async (arg: string, _o: unknown, command: Command) => retry(cluster(command), rolloutName(arg))),
    );
  program
    .command("abort")
    .description("roll the workload back to the stable revision; the rollout cancels and restores traffic")
    .argument("<rollout>")
    .action(
      act(async (arg: string, _o: unknown, command: Command) => abort(cluster(command), rolloutName(arg))),
    );
  program
    .command("undo")
    .description("roll the workload back to its previous (or a given) revision, like kubectl-kruise")
    .argument("<rollout>")
    .addOption(
      new Option("--to-revision <n>", "revision to go back to; 0 means the previous one")
        .argParser(positiveInt("--to-revision"))
        .default(0),
    )
    .action(
      act(async (arg: string, opts: { toRevision: number }, command: Command) =>
        undo(cluster(command), rolloutName(arg), opts.toRevision),
      ),
    );
  program
    .command("wait")
    .description("wait until the rollout reaches a step or is healthy (exit 6 on timeout)")
    .argument("<rollout>")
    .requiredOption("--for <condition>", "step=N or healthy")
    .option("--timeout <duration>", "give up after this long, e.g. 90s or 10m", "10m")
    .action(
      act(async (arg: string, opts: { for: string; timeout: string }, command: Command) => {
        const want = parseWaitFor(opts.for);
        let timeoutMs: number;
        try {
          timeoutMs = parseDuration(opts.timeout);
        } catch (error) {
          throw new CliError(`--timeout: ${(error as Error).message}`, ExitCode.usage);
        }
        return waitFor(cluster(command), rolloutName(arg), want, timeoutMs);
      }),
    );
  program
    .command("history")
    .description("workload revisions and the rollout's events")
    .argument("<rollout>")
    .option("-o, --output <format>", "json or yaml")
    .action(
      act(async (arg: string, opts: { output?: string }, command: Command) => {
        const output = parseOutput(opts.output);
        const view = await readHistory(cluster(command), rolloutName(arg));
        return output === "text" ? renderHistory(view) : serialize(view, output);
      }),
    );

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with 0; every parse failure is a usage error.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const failure = toCliError(error);
    deps.stderr.write(`error: ${failure.message}\n`);
    exitCode = failure.exitCode;
  }
  return exitCode;
}
