// readNetwork's REST side: which paths it GETs, NotFound read as absence, a custom kind without
// a REST path reported on the ref rather than thrown, and other API failures propagated.

import { beforeAll, describe, expect, it } from "vitest";
import { readNetwork } from "../../../src/controller/read-network.js";
import { ApiError } from "../../../src/kube/api-error.js";
import type { ApiRequest, KubeClient } from "../../../src/kube/client.js";
import { createLuaVm, type LuaVm } from "../../../src/traffic/lua-vm.js";
import { configNamespace, rollout, service } from "./fixtures.js";

let vm: LuaVm;
beforeAll(async () => {
  vm = await createLuaVm();
});

/** A client answering GETs from a path-keyed table, 404 for the rest. */
function client(
  objects: Record<string, unknown>,
  failWith?: ApiError,
): { client: KubeClient; paths: string[] } {
  const paths: string[] = [];
  const request = async (req: ApiRequest) => {
    paths.push(req.path);
    if (failWith) throw failWith;
    if (req.path in objects) return objects[req.path];
    throw new ApiError(404, { reason: "NotFound", code: 404 });
  };
  return { client: { request } as unknown as KubeClient, paths };
}

const subject = rollout({
  steps: [{ traffic: "5%" }],
  trafficRoutings: [
    {
      service: "echoserver",
      ingress: { name: "echoserver" },
      gateway: { httpRouteName: "echo-route" },
      customNetworkRefs: [
        { apiVersion: "networking.istio.io/v1beta1", kind: "VirtualService", name: "vs-demo" },
        { apiVersion: "example.io/v1", kind: "Route", name: "r1" },
      ],
    },
  ],
});

describe("readNetwork", () => {
  it("reads every referenced object and reads NotFound as absent", async () => {
    const stable = service("echoserver");
    const fake = client({
      "/api/v1/namespaces/demo/services/echoserver": stable,
      "/api/v1/namespaces/kruise-rollout/configmaps/kruise-rollout-configuration": { data: { k: "v" } },
    });
    const network = await readNetwork(fake.client, subject, configNamespace, vm);
    expect(fake.paths.sort()).toEqual([
      "/api/v1/namespaces/demo/services/echoserver",
      "/api/v1/namespaces/demo/services/echoserver-canary",
      "/api/v1/namespaces/kruise-rollout/configmaps/kruise-rollout-configuration",
      "/apis/gateway.networking.k8s.io/v1/namespaces/demo/httproutes/echo-route",
      "/apis/networking.istio.io/v1beta1/namespaces/demo/virtualservices/vs-demo",
      "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/echoserver",
      "/apis/networking.k8s.io/v1/namespaces/demo/ingresses/echoserver-canary",
    ]);
    expect(network).toMatchObject({
      stableService: stable,
      canaryService: undefined,
      stableIngress: undefined,
      httpRoute: undefined,
      configData: { k: "v" },
      configNamespace,
    });
    expect(network.custom).toEqual([
      {
        ref: { apiVersion: "networking.istio.io/v1beta1", kind: "VirtualService", name: "vs-demo" },
        object: undefined,
      },
      {
        ref: { apiVersion: "example.io/v1", kind: "Route", name: "r1" },
        object: undefined,
        unreadable: "Route demo/r1: unsupported kind Route of example.io/v1",
      },
    ]);
  });

  it("does not read a canary Service that is never generated", async () => {
    const shared = rollout({
      steps: [],
      disableGenerateCanaryService: true,
      trafficRoutings: [{ service: "echoserver", gateway: { httpRouteName: "echo-route" } }],
    });
    const fake = client({});
    await readNetwork(fake.client, shared, configNamespace, vm);
    expect(fake.paths.sort()).toEqual([
      "/api/v1/namespaces/demo/services/echoserver",
      "/apis/gateway.networking.k8s.io/v1/namespaces/demo/httproutes/echo-route",
    ]);
  });

  it("propagates failures other than NotFound", async () => {
    const fake = client({}, new ApiError(500, { reason: "InternalError", code: 500 }));
    await expect(readNetwork(fake.client, subject, configNamespace, vm)).rejects.toThrow(ApiError);
  });
});
