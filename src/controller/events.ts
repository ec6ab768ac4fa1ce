import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/resource.js";
import type { Target } from "../rollout/action.js";
import type { EventAction, EventSink } from "./act.js";

/**
 * Writes core/v1 Events for plan transitions. Best effort and never blocking: an
 * Event that cannot be written must not fail a reconcile. The same reason and message
 * on the same object within a minute is counted instead of written again.
 */
export class EventRecorder implements EventSink {
  private readonly recent = new Map<string, { name: string; count: number; at: number }>();

  constructor(
    private readonly client: KubeClient,
    private readonly component = "kruise-rollout",
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  emit(action: EventAction, about: Target): void {
    void this.write(action, action.regarding ?? about).catch(this.onError);
  }

  private async write(e: EventAction, regarding: Target): Promise<void> {
    const namespace = regarding.namespace ?? "default";
    const key = `${namespace}/${regarding.kind}/${regarding.name}/${e.reason}/${e.message}`;
    const now = new Date();
    const stamp = now.toISOString().replace(/\.\d+Z$/, "Z");
    const seen = this.recent.get(key);
    const path = resourcePath({ group: "", version: "v1", plural: "events" }, { namespace });
    if (seen && now.getTime() - seen.at < 60_000) {
      seen.count += 1;
      seen.at = now.getTime();
      await this.client.request({
        method: "PATCH",
        path: `${path}/${seen.name}`,
        contentType: "application/merge-patch+json",
        body: { count: seen.count, lastTimestamp: stamp },
      });
      return;
    }
    const name = `${regarding.name}.${now.getTime().toString(16)}${Math.random().toString(16).slice(2, 6)}`;
    await this.client.request({
      method: "POST",
      path,
      body: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace },
        involvedObject: { ...regarding, namespace },
        type: e.type,
        reason: e.reason,
        message: e.message,
        source: { component: this.component },
        reportingComponent: this.component,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        count: 1,
      },
    });
    this.recent.set(key, { name, count: 1, at: now.getTime() });
    if (this.recent.size > 5000) this.recent.clear();
  }
}
