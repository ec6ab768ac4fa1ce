// The changes the traffic core asks the imperative shell to make. They are structurally the
// same as the matching members of src/rollout/action.ts `Action`, so a plan can carry them
// as they are; this module defines its own copy to stay independent of the engine's file.

import type { KubeObject } from "./model.js";

export interface Target {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

type WholeObject = { apiVersion: string; kind: string; metadata: Record<string, unknown> } & Record<
  string,
  unknown
>;

export type TrafficAction =
  | { kind: "create"; object: WholeObject }
  | { kind: "patch"; target: Target; patchType: "merge" | "strategic"; patch: unknown }
  /** Full update; the object carries the observed resourceVersion, so a concurrent writer makes it conflict. */
  | { kind: "replace"; object: WholeObject }
  | { kind: "delete"; target: Target };

/** One provider call: `done` only when the observed objects already matched (upstream's "verified"). */
export interface TrafficChange {
  done: boolean;
  actions: TrafficAction[];
}

/** A create or replace of an object the core built; apiVersion, kind and metadata are always set there. */
export function writeAction(kind: "create" | "replace", object: KubeObject): TrafficAction {
  return { kind, object: object as WholeObject };
}

export function targetOf(obj: KubeObject, fallback: { apiVersion: string; kind: string }): Target {
  const meta = obj.metadata ?? {};
  return {
    apiVersion: obj.apiVersion ?? fallback.apiVersion,
    kind: obj.kind ?? fallback.kind,
    ...(meta.namespace ? { namespace: meta.namespace } : {}),
    name: meta.name ?? "",
  };
}
