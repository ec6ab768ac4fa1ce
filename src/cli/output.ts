// `-o json|yaml`: the same data the text view is drawn from, for scripts.
import { stringify } from "yaml";
import { CliError, ExitCode } from "./exit-codes.js";

export type OutputFormat = "text" | "json" | "yaml";

export function parseOutput(text: string | undefined): OutputFormat {
  if (text === undefined || text === "text" || text === "wide") return "text";
  if (text === "json" || text === "yaml") return text;
  throw new CliError(`--output must be json or yaml, got "${text}"`, ExitCode.usage);
}

export function serialize(data: unknown, format: "json" | "yaml"): string {
  return format === "json" ? `${JSON.stringify(data, null, 2)}\n` : stringify(data);
}
