// What a plan asks the imperative shell to do: the release side's action vocabulary,
// plus a whole-object replace (HTTPRoutes and Lua-driven objects are written whole,
// as upstream does). Plain data, executed in order; each is idempotent.
import type { KubeObject } from "../kube/object.js";
import type { ActionTarget, Action as ReleaseAction } from "../release/actions.js";

export type Target = ActionTarget;

export interface ReplaceAction {
  kind: "replace";
  object: KubeObject;
}

export type Action = ReleaseAction | ReplaceAction;
