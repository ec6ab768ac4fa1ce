// Command-line flags of the controller runtime, named as upstream and client-go name them, so
// manifests written for kruise-rollout keep working. main.ts registers them and reads them back.
import { type Command, Option } from "commander";
import { parseDuration } from "./duration.js";
import { defaultLeaderElectionTiming, type LeaderElectionTiming } from "./leader.js";

export interface RuntimeFlags {
  kubeconfig?: string;
  context?: string;
  kubeApiQps: number;
  kubeApiBurst: number;
  leaderElect: boolean;
  leaderElectionId: string;
  leaderElectionNamespace: string;
  leaderElection: LeaderElectionTiming;
}

const positiveNumber = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`${flag} must be a positive number, got "${value}"`);
  return n;
};

export function addRuntimeFlags(command: Command): Command {
  const timing = defaultLeaderElectionTiming;
  return command
    .addOption(
      new Option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)"),
    )
    .addOption(new Option("--context <name>", "kubeconfig context to use"))
    .addOption(
      // One budget for the whole process. Upstream's controller-runtime client has a 20/s, 30-burst
      // bucket per resource type (a REST client each), which let it average 50 requests/s in the
      // benchmark's 100-rollout run; a single bucket of 20 made ours take twice as long.
      new Option("--kube-api-qps <n>", "requests per second to the API server")
        .default(50)
        .argParser(positiveNumber("--kube-api-qps")),
    )
    .addOption(
      new Option("--kube-api-burst <n>", "requests allowed in a burst above the QPS")
        .default(100)
        .argParser(positiveNumber("--kube-api-burst")),
    )
    .addOption(new Option("--leader-elect", "elect a leader on a Lease before reconciling").default(false))
    .addOption(new Option("--leader-election-id <name>", "name of the Lease").default("71ddec2c.kruise.io"))
    .addOption(
      new Option("--leader-election-namespace <ns>", "namespace of the Lease")
        .env("POD_NAMESPACE")
        .default("kruise-rollout"),
    )
    .addOption(
      new Option("--leader-elect-lease-duration <duration>", "how long a lease lasts without renewal")
        .default(timing.leaseDurationMs, "15s")
        .argParser(parseDuration),
    )
    .addOption(
      new Option("--leader-elect-renew-deadline <duration>", "how long the leader retries renewing")
        .default(timing.renewDeadlineMs, "10s")
        .argParser(parseDuration),
    )
    .addOption(
      new Option("--leader-elect-retry-period <duration>", "pause between election attempts")
        .default(timing.retryPeriodMs, "2s")
        .argParser(parseDuration),
    );
}

/** Reads back what `addRuntimeFlags` registered, from `command.opts()`. */
export function readRuntimeFlags(options: Record<string, unknown>): RuntimeFlags {
  return {
    ...(typeof options.kubeconfig === "string" ? { kubeconfig: options.kubeconfig } : {}),
    ...(typeof options.context === "string" ? { context: options.context } : {}),
    kubeApiQps: options.kubeApiQps as number,
    kubeApiBurst: options.kubeApiBurst as number,
    leaderElect: options.leaderElect === true,
    leaderElectionId: options.leaderElectionId as string,
    leaderElectionNamespace: options.leaderElectionNamespace as string,
    leaderElection: {
      leaseDurationMs: options.leaderElectLeaseDuration as number,
      renewDeadlineMs: options.leaderElectRenewDeadline as number,
      retryPeriodMs: options.leaderElectRetryPeriod as number,
    },
  };
}
