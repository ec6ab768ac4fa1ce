// The seed (spec Appendix A): Deployment echoserver, Service echoserver, nginx Ingress
// echoserver, one step `traffic: 5%`. Each op is called on the store as the previous call's
// actions left it, the way the state machine drives them pass after pass.

import { beforeAll, describe, expect, it } from "vitest";
import type { CanaryStep } from "../../../src/rollout/model.js";
import { createLuaVm, type LuaVm } from "../../../src/traffic/lua-vm.js";
import type { Ingress } from "../../../src/traffic/model.js";
import { ingress, namespace, opsFor, rollout, Store, service, withoutVersion } from "./fixtures.js";

let vm: LuaVm;
beforeAll(async () => {
  vm = await createLuaVm();
});

const step: CanaryStep = { traffic: "5%", replicas: "20%", pause: {} };
const seed = rollout({
  enableExtraWorkloadForCanary: true,
  steps: [step],
  trafficRoutings: [{ service: "echoserver", ingress: { name: "echoserver" }, gracePeriodSeconds: 3 }],
});
const owner = {
  apiVersion: "rollouts.kruise.io/v1beta1",
  kind: "Rollout",
  name: "rollouts-demo",
  uid: "rollout-uid",
  controller: true,
  blockOwnerDeletion: true,
};
const nginx = "nginx.ingress.kubernetes.io";

function seedStore(): Store {
  return new Store([service("echoserver"), ingress("echoserver")]);
}

const ops = (store: Store) => opsFor(store, seed, vm);

/** BeforeStepUpgrade's pin, then the three StepTrafficRouting passes of the walkthrough. */
async function routeStep(store: Store): Promise<void> {
  store.apply((await ops(store)).patchStableService().actions);
  for (let pass = 0; pass < 3; pass++) store.apply((await ops(store)).ensureRoutes(step).actions);
}

describe("seed: Service + nginx Ingress", () => {
  it("walks the step one change per call, then reports done", async () => {
    const store = seedStore();
    expect((await ops(store)).initialize()).toEqual({ ok: true });

    // BeforeStepUpgrade of step 1: pin the stable Service before any canary pod exists
    const pin = (await ops(store)).patchStableService();
    expect(pin).toEqual({
      done: false,
      actions: [
        {
          kind: "patch",
          target: { apiVersion: "v1", kind: "Service", namespace, name: "echoserver" },
          patchType: "strategic",
          patch: { spec: { selector: { "pod-template-hash": "stable-hash" } } },
        },
      ],
    });
    store.apply(pin.actions);
    expect((await ops(store)).patchStableService()).toEqual({ done: true, actions: [] });

    // StepTrafficRouting: the canary Service first ...
    const canaryService = (await ops(store)).ensureRoutes(step);
    expect(canaryService).toEqual({
      done: false,
      actions: [
        {
          kind: "create",
          object: {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "echoserver-canary", namespace, ownerReferences: [owner] },
            spec: {
              ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }],
              selector: { app: "echoserver", "pod-template-hash": "canary-hash" },
              type: "ClusterIP",
            },
          },
        },
      ],
    });
    store.apply(canaryService.actions);

    // ... then the canary Ingress, created at weight 0 so it receives nothing yet ...
    const created = (await ops(store)).ensureRoutes(step);
    expect(created).toEqual({
      done: false,
      actions: [
        {
          kind: "create",
          object: {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: {
              name: "echoserver-canary",
              namespace,
              annotations: {
                "kubernetes.io/ingress.class": "nginx",
                [`${nginx}/canary`]: "true",
                [`${nginx}/canary-weight`]: "0",
              },
              ownerReferences: [owner],
            },
            spec: {
              rules: [
                {
                  host: "echoserver.example.com",
                  http: {
                    paths: [
                      {
                        path: "/apis/echo",
                        pathType: "Exact",
                        backend: { service: { name: "echoserver-canary", port: { number: 80 } } },
                      },
                    ],
                  },
                },
              ],
            },
          },
        },
      ],
    });
    store.apply(created.actions);

    // ... then patched to the step's weight ...
    const weighted = (await ops(store)).ensureRoutes(step);
    expect(weighted).toEqual({
      done: false,
      actions: [
        {
          kind: "patch",
          target: {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            namespace,
            name: "echoserver-canary",
          },
          patchType: "merge",
          patch: { metadata: { annotations: { [`${nginx}/canary-weight`]: "5" } } },
        },
      ],
    });
    store.apply(weighted.actions);

    // ... and verified.
    expect((await ops(store)).ensureRoutes(step)).toEqual({ done: true, actions: [] });
    expect(store.find("Ingress", "echoserver-canary")?.metadata?.annotations).toEqual({
      "kubernetes.io/ingress.class": "nginx",
      [`${nginx}/canary`]: "true",
      [`${nginx}/canary-weight`]: "5",
    });
  });

  it("finalises in the Success order and leaves the original objects as they were", async () => {
    const store = seedStore();
    const originals = [service("echoserver"), ingress("echoserver")];
    await routeStep(store);
    expect((await ops(store)).ensureRoutes(step).done).toBe(true);

    const unpin = (await ops(store)).restoreStableService();
    expect(unpin.actions).toEqual([
      {
        kind: "patch",
        target: { apiVersion: "v1", kind: "Service", namespace, name: "echoserver" },
        patchType: "strategic",
        patch: { spec: { selector: { "pod-template-hash": null } } },
      },
    ]);
    store.apply(unpin.actions);
    expect((await ops(store)).restoreStableService()).toEqual({ done: true, actions: [] });

    const routes = (await ops(store)).restoreGateway();
    expect(routes).toEqual({
      done: false,
      actions: [
        {
          kind: "delete",
          target: {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            namespace,
            name: "echoserver-canary",
          },
        },
      ],
    });
    store.apply(routes.actions);
    expect((await ops(store)).restoreGateway()).toEqual({ done: true, actions: [] });

    const removal = (await ops(store)).removeCanaryService();
    expect(removal.actions).toEqual([
      { kind: "delete", target: { apiVersion: "v1", kind: "Service", namespace, name: "echoserver-canary" } },
    ]);
    store.apply(removal.actions);
    expect((await ops(store)).removeCanaryService()).toEqual({ done: true, actions: [] });

    expect(store.names()).toEqual([`Ingress/${namespace}/echoserver`, `Service/${namespace}/echoserver`]);
    expect(withoutVersion(store.find("Service", "echoserver"))).toEqual(originals[0]);
    expect(withoutVersion(store.find("Ingress", "echoserver"))).toEqual(originals[1]);
  });

  it("changes nothing on a cluster that is already in the desired state", async () => {
    const store = seedStore();
    await routeStep(store);
    const settled = await ops(store);
    for (let call = 0; call < 3; call++) {
      expect(settled.patchStableService()).toEqual({ done: true, actions: [] });
      expect(settled.ensureRoutes(step)).toEqual({ done: true, actions: [] });
    }

    // and the restoring ops on a cluster that never saw a rollout
    const pristine = await ops(seedStore());
    expect(pristine.restoreStableService()).toEqual({ done: true, actions: [] });
    expect(pristine.restoreGateway()).toEqual({ done: true, actions: [] });
    expect(pristine.removeCanaryService()).toEqual({ done: true, actions: [] });
  });

  it("re-points the canary Service when a new canary revision takes over", async () => {
    const store = seedStore();
    await routeStep(store);
    const next = await opsFor(store, seed, vm, {
      stableRevision: "stable-hash",
      podTemplateHash: "canary-hash-2",
      revisionLabelKey: "pod-template-hash",
    });
    expect(next.ensureRoutes(step).actions).toEqual([
      {
        kind: "patch",
        target: { apiVersion: "v1", kind: "Service", namespace, name: "echoserver-canary" },
        patchType: "strategic",
        patch: { spec: { selector: { "pod-template-hash": "canary-hash-2" } } },
      },
    ]);
  });

  it("treats a batch-only step as already routed", async () => {
    const ops0 = await ops(seedStore());
    expect(ops0.ensureRoutes({ replicas: "50%" })).toEqual({ done: true, actions: [] });
  });

  it("points the canary Ingress at the stable Service when no canary Service is generated", async () => {
    const shared = rollout({ ...seed.spec.strategy.canary, disableGenerateCanaryService: true });
    const store = seedStore();
    const first = await opsFor(store, shared, vm);
    expect(first.patchStableService()).toEqual({ done: true, actions: [] });
    const created = first.ensureRoutes(step);
    expect(created.actions).toMatchObject([{ kind: "create", object: { kind: "Ingress" } }]);
    store.apply(created.actions);
    const spec = store.find("Ingress", "echoserver-canary")?.spec as Ingress["spec"];
    expect(spec?.rules?.[0]?.http?.paths[0]?.backend).toEqual({
      service: { name: "echoserver", port: { number: 80 } },
    });
    expect((await opsFor(store, shared, vm)).removeCanaryService()).toEqual({ done: true, actions: [] });
  });
});
