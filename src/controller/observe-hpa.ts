import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import { resourcePath } from "../kube/resource.js";
import type { HorizontalPodAutoscaler } from "../release/control/bluegreen-hpa.js";

/**
 * The namespace's HPAs, read on demand for blue-green releases (not cached: only a release
 * that is about to detach or re-attach one needs them). autoscaling/v2 first, v1 where v2 is
 * not served, as upstream looks them up.
 */
export async function listHorizontalPodAutoscalers(
  client: KubeClient,
  namespace: string,
): Promise<HorizontalPodAutoscaler[]> {
  for (const version of ["v2", "v1"]) {
    try {
      const list = await client.request<{ items: Omit<HorizontalPodAutoscaler, "apiVersion" | "kind">[] }>({
        method: "GET",
        path: resourcePath(
          { group: "autoscaling", version, plural: "horizontalpodautoscalers" },
          { namespace },
        ),
      });
      // List items carry no apiVersion/kind of their own.
      return list.items.map((h) => ({
        ...h,
        apiVersion: `autoscaling/${version}`,
        kind: "HorizontalPodAutoscaler",
      }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return [];
}
