// Wraps a reconcile function with controller-runtime's reconcile metrics.
import type { Reconcile } from "../kube/queue.js";
import type { Metrics } from "./metrics.js";

export function instrumentReconcile(metrics: Metrics, controller: string, reconcile: Reconcile): Reconcile {
  return async (key) => {
    const end = metrics.reconcileTime.startTimer({ controller });
    try {
      const result = await reconcile(key);
      const requeue = result && result.requeueAfterMs !== undefined;
      metrics.reconcileTotal.inc({ controller, result: requeue ? "requeue_after" : "success" });
      return result;
    } catch (error) {
      metrics.reconcileTotal.inc({ controller, result: "error" });
      metrics.reconcileErrors.inc({ controller });
      throw error;
    } finally {
      end();
    }
  };
}
