// The seed's KubeVela example (a webservice component with the kruise-rollout trait and nginx
// traffic) and what it needs around it, shared by `npm run demo -- --vela` and the end-to-end test.
import type { Obj } from "../devcluster/kubevela.js";

export const seedName = "canary-demo";
export const seedImage = (version: string): string => `barnett/canarydemo:${version}`;

export interface SeedOptions {
  namespace: string;
  image: string;
  /** `app.oam.dev/publishVersion`: each release gets one, which `vela workflow rollback` needs. */
  publishVersion: string;
  /** The seed has one 20% step; more steps show one batch after another. */
  steps?: Record<string, unknown>[];
  /** The seed leaves replicas to the webservice default (1); the scaler trait sets more. */
  replicas?: number;
}

/** The seed's Application, verbatim but for the namespace, the publish version and the optional extras. */
export function seedApplication(o: SeedOptions): Obj {
  const traits: Record<string, unknown>[] = [];
  if (o.replicas !== undefined) traits.push({ type: "scaler", properties: { replicas: o.replicas } });
  traits.push({
    type: "kruise-rollout",
    properties: {
      canary: {
        // first batch: 20% of pods and 20% of traffic, then wait for a manual approval
        steps: o.steps ?? [{ weight: 20 }],
        trafficRoutings: [{ type: "nginx" }],
      },
    },
  });
  return {
    apiVersion: "core.oam.dev/v1beta1",
    kind: "Application",
    metadata: {
      name: seedName,
      namespace: o.namespace,
      annotations: { "app.oam.dev/publishVersion": o.publishVersion },
    } as Obj["metadata"],
    spec: {
      components: [{ name: seedName, type: "webservice", properties: { image: o.image }, traits }],
    },
  };
}

/**
 * The stable Service and the nginx Ingress that `trafficRoutings: [{type: nginx}]` refers to (both named
 * after the component). The webservice component makes neither without exposed ports, so they are
 * created beside the Application; the Service selects the component's pods by KubeVela's label.
 */
export function seedNetwork(namespace: string): Obj[] {
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: seedName, namespace },
      spec: {
        selector: { "app.oam.dev/component": seedName },
        ports: [{ port: 80, targetPort: 8080 }],
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: seedName, namespace },
      spec: {
        ingressClassName: "nginx",
        rules: [
          {
            host: `${seedName}.example.com`,
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: seedName, port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  ];
}
