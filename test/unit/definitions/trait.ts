import { evaluate, readDefinition } from "./cue.js";

/** What vela-core gives a trait template: `context` and `parameter` next to the template body. */
export interface TraitInput {
  context: Record<string, unknown>;
  parameter: unknown;
}

export interface TraitRender {
  /** Both traits here render a single output, the Rollout. */
  outputs: { rollout: Record<string, unknown> };
  patch?: Record<string, unknown>;
  errs?: string[];
  /** The definition's header (type, attributes with the status CUE). */
  definition: Record<string, unknown>;
}

/**
 * Renders a trait the way vela-core composes it (§4.2 of the addon notes). A definition file is
 * `"<name>": {...}` plus `template: {...}`; a top-level `context` is in scope inside `template`, and
 * `parameter` is unified into the template, so the file needs no rewriting.
 */
export async function renderTrait(name: string, input: TraitInput): Promise<TraitRender> {
  const source = `${readDefinition(name)}
context: ${JSON.stringify(input.context)}
template: parameter: ${JSON.stringify(input.parameter)}
`;
  const value = await evaluate(source);
  const template = value.template as Omit<TraitRender, "definition">;
  return { ...template, definition: value[name] as Record<string, unknown> };
}

/** The status CUE (healthPolicy / customStatus) from a rendered trait's definition header. */
export function statusTemplates(render: TraitRender): { healthPolicy: string; customStatus: string } {
  const attributes = render.definition.attributes as {
    status: { healthPolicy: string; customStatus: string };
  };
  return attributes.status;
}

/**
 * Evaluates a status expression the way vela-core does (§4.4): `context.outputs.<name>` is the live
 * object; the trait's properties are both `parameter` and `context.parameter`.
 */
export async function evaluateStatus(
  expression: string,
  context: Record<string, unknown>,
  parameter: unknown = {},
): Promise<Record<string, unknown>> {
  return evaluate(`${expression}
context: ${JSON.stringify({ ...context, parameter })}
parameter: ${JSON.stringify(parameter)}
`);
}
