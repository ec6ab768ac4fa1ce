import { expect } from "vitest";
import { RolloutV1alpha1 } from "../../../src/api/rollout-v1alpha1.js";

/**
 * Validates a rendered Rollout with our zod schema. zod strips unknown keys, so equality after
 * parsing (ignoring the schema's own `disabled` default) also proves every rendered field is known.
 */
export function expectValidRollout(rollout: Record<string, unknown>): void {
  const parsed = RolloutV1alpha1.parse(rollout);
  const withoutDefaults = { ...parsed, spec: { ...parsed.spec, disabled: undefined } };
  expect(withoutDefaults).toEqual({ ...rollout, spec: { ...(rollout.spec as object), disabled: undefined } });
}
