// An in-memory stand-in for the cluster's network objects: ops read it through the same
// observeNetwork as the controller, and their actions are applied to it the way the API server
// would (create, JSON/strategic merge patch of maps, whole replace, delete). Enough for
// Services, Ingresses, HTTPRoutes and custom objects, whose patches only touch maps.

import { type GetObject, type ObjectAddress, observeNetwork } from "../../../src/controller/read-network.js";
import { bindTrafficOps, type TrafficOpsContext } from "../../../src/controller/traffic-ops.js";
import type { Action } from "../../../src/rollout/action.js";
import type { CanaryStrategy, Rollout } from "../../../src/rollout/model.js";
import type { TrafficOps } from "../../../src/rollout/observed.js";
import type { LuaVm } from "../../../src/traffic/lua-vm.js";
import type { KubeObject } from "../../../src/traffic/model.js";

export const namespace = "demo";
export const configNamespace = "kruise-rollout";

function keyOf(kind: string, ns: string | undefined, name: string): string {
  return `${kind}/${ns ?? ""}/${name}`;
}

/** RFC 7386 merge patch; a strategic merge patch of plain maps (all these ops send) is the same. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return structuredClone(patch);
  const result: Record<string, unknown> =
    target !== null && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export class Store {
  private readonly objects = new Map<string, KubeObject>();
  private version = 100;

  constructor(objects: KubeObject[]) {
    for (const object of objects) this.put(object);
  }

  private put(object: KubeObject): void {
    const copy = structuredClone(object);
    copy.metadata = { ...copy.metadata, resourceVersion: String(++this.version) };
    this.objects.set(keyOf(copy.kind ?? "", copy.metadata.namespace, copy.metadata.name ?? ""), copy);
  }

  readonly get: GetObject = async <T>(at: ObjectAddress) => {
    const found = this.objects.get(keyOf(at.kind, at.namespace, at.name));
    return found && (structuredClone(found) as T);
  };

  find(kind: string, name: string): KubeObject | undefined {
    return this.objects.get(keyOf(kind, namespace, name));
  }

  names(): string[] {
    return [...this.objects.keys()].sort();
  }

  apply(actions: readonly Action[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case "create":
        case "replace":
          this.put(action.object as KubeObject);
          break;
        case "patch": {
          const { kind, namespace: ns, name } = action.target;
          const current = this.objects.get(keyOf(kind, ns, name));
          if (!current) throw new Error(`patch of missing ${kind} ${ns}/${name}`);
          this.put(mergePatch(current, action.patch) as KubeObject);
          break;
        }
        case "delete":
          this.objects.delete(keyOf(action.target.kind, action.target.namespace, action.target.name));
          break;
        case "event":
          break;
      }
    }
  }
}

export function rollout(canary: Partial<CanaryStrategy>): Rollout {
  return {
    apiVersion: "rollouts.kruise.io/v1beta1",
    kind: "Rollout",
    metadata: { name: "rollouts-demo", namespace, uid: "rollout-uid" },
    spec: {
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "echoserver" },
      strategy: { canary: { steps: [], ...canary } },
    },
  };
}

export type OpsContext = Omit<TrafficOpsContext, "rollout">;

export const revisions: OpsContext = {
  stableRevision: "stable-hash",
  podTemplateHash: "canary-hash",
  revisionLabelKey: "pod-template-hash",
};

/** The ops of one pass over the store as it is now, as the controller would bind them. */
export async function opsFor(
  store: Store,
  subject: Rollout,
  vm: LuaVm,
  context: OpsContext = revisions,
): Promise<TrafficOps> {
  const network = await observeNetwork(store.get, subject, configNamespace, vm);
  return bindTrafficOps(network, { rollout: subject, ...context });
}

export function service(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, uid: `${name}-uid` },
    spec: {
      clusterIP: "10.96.0.10",
      clusterIPs: ["10.96.0.10"],
      ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }],
      selector: { app: "echoserver" },
      type: "ClusterIP",
      ...extra,
    },
  };
}

/** The seed's Ingress (openkruise/rollouts docs/tutorials/basic_usage.md). */
export function ingress(name: string): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace, annotations: { "kubernetes.io/ingress.class": "nginx" } },
    spec: {
      rules: [
        {
          host: "echoserver.example.com",
          http: {
            paths: [
              {
                path: "/apis/echo",
                pathType: "Exact",
                backend: { service: { name: "echoserver", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** Strips what the store itself stamps, to compare with the objects as first written. */
export function withoutVersion(object: KubeObject | undefined): KubeObject | undefined {
  if (!object) return object;
  const { resourceVersion: _stamped, ...metadata } = object.metadata ?? {};
  return { ...object, metadata };
}
