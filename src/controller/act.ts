import { isAlreadyExists, isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/resource.js";
import type { Action, Target } from "../rollout/action.js";
import { resourceOf } from "./kinds.js";

const contentTypes = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
} as const;

export type EventAction = Extract<Action, { kind: "event" }>;

export interface EventSink {
  /** `about` is the object being reconciled, for events that name no other. */
  emit(action: EventAction, about: Target): void;
}

/**
 * Executes a plan's actions in order. Each action is idempotent: an object that is
 * already there is not created twice and one that is gone is not deleted twice. A
 * precondition failure (409) propagates, so the key is requeued and re-planned from
 * a fresh read — that is how a concurrent approval is never overwritten.
 */
export async function act(
  client: KubeClient,
  actions: Action[],
  events: EventSink,
  about: Target,
): Promise<void> {
  for (const action of actions) {
    switch (action.kind) {
      case "event":
        events.emit(action, about);
        break;
      case "create": {
        const { apiVersion = "", kind = "", metadata = {} } = action.object;
        const path = resourcePath(resourceOf(apiVersion, kind), { namespace: metadata.namespace });
        try {
          await client.request({
            method: "POST",
            path,
            body: action.object,
            query: { fieldManager: "kruise-rollout-ts" },
          });
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
        break;
      }
      case "replace": {
        const { apiVersion = "", kind = "", metadata = {} } = action.object;
        const path = resourcePath(resourceOf(apiVersion, kind), {
          namespace: metadata.namespace,
          name: metadata.name,
        });
        await client.request({
          method: "PUT",
          path,
          body: action.object,
          query: { fieldManager: "kruise-rollout-ts" },
        });
        break;
      }
      case "delete": {
        const t = action.target;
        const path = resourcePath(resourceOf(t.apiVersion, t.kind), { namespace: t.namespace, name: t.name });
        try {
          const preconditions = action.precondition;
          await client.request({
            method: "DELETE",
            path,
            body: { propagationPolicy: "Background", ...(preconditions ? { preconditions } : {}) },
          });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        break;
      }
      case "patch": {
        const t = action.target;
        const path = resourcePath(resourceOf(t.apiVersion, t.kind), {
          namespace: t.namespace,
          name: t.name,
          ...(action.subresource ? { subresource: action.subresource } : {}),
        });
        let body: unknown = action.patch;
        const rv = action.precondition?.resourceVersion;
        if (rv) {
          if (action.patchType === "json") {
            body = [{ op: "test", path: "/metadata/resourceVersion", value: rv }, ...(body as unknown[])];
          } else {
            const patch = body as { metadata?: Record<string, unknown> };
            body = { ...patch, metadata: { ...(patch.metadata ?? {}), resourceVersion: rv } };
          }
        }
        await client.request({
          method: "PATCH",
          path,
          body,
          contentType: contentTypes[action.patchType],
          query: { fieldManager: "kruise-rollout-ts" },
        });
        break;
      }
    }
  }
}
