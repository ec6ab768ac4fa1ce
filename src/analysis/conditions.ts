import { Environment } from "@marcbachmann/cel-js";
import type { MetricSpec } from "./model.js";

// successCondition / failureCondition are CEL, the expression language Kubernetes already uses for
// CRD validation rules, evaluated by an interpreter (no eval, no code generation) over one
// variable, `result`: a number, a list of numbers, or the JSON a web metric selected.

const env = new Environment({ unlistedVariablesAreDyn: false }).registerVariable("result", "dyn");

type Compiled = (context: { result: unknown }) => unknown;
const compiled = new Map<string, Compiled>();

function compile(expression: string): Compiled {
  let fn = compiled.get(expression);
  if (!fn) {
    fn = env.parse(expression) as Compiled;
    // Templates are few; the bound only protects against a stream of distinct expressions.
    if (compiled.size > 1000) compiled.clear();
    compiled.set(expression, fn);
  }
  return fn;
}

/** Why an expression cannot be used, or undefined when it parses. */
export function conditionError(expression: string): string | undefined {
  try {
    compile(expression);
    return undefined;
  } catch (err) {
    return firstLine(err);
  }
}

function evaluate(expression: string, result: unknown): boolean {
  const out = compile(expression)({ result });
  if (typeof out !== "boolean") throw new Error(`"${expression}" gave ${String(out)}, not a bool`);
  return out;
}

export type Verdict = "Successful" | "Failed" | "Inconclusive";

/**
 * Argo Rollouts' rules: a true failureCondition fails; otherwise a true successCondition
 * succeeds; a false successCondition fails when there is no failureCondition; anything else,
 * including no condition at all, is inconclusive. Throws when an expression cannot be evaluated.
 */
export function verdict(
  metric: Pick<MetricSpec, "successCondition" | "failureCondition">,
  result: unknown,
): Verdict {
  const { successCondition: success, failureCondition: failure } = metric;
  if (failure && evaluate(failure, result)) return "Failed";
  if (success) {
    if (evaluate(success, result)) return "Successful";
    return failure ? "Inconclusive" : "Failed";
  }
  return failure ? "Successful" : "Inconclusive";
}

export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
}
