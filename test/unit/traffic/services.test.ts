import { describe, expect, it } from "vitest";
import type { Service } from "../../../src/traffic/model.js";
import {
  buildCanaryService,
  canaryServiceName,
  ensureServices,
  graceSeconds,
  pinStableService,
  removeCanaryService,
  restoreStableService,
  type ServiceContext,
  stepGraceSeconds,
} from "../../../src/traffic/services.js";

const owner = {
  apiVersion: "rollouts.kruise.io/v1beta1",
  kind: "Rollout",
  name: "rollouts-demo",
  uid: "u1",
  controller: true,
  blockOwnerDeletion: true,
};

const stable: Service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: {
    name: "echoserver",
    namespace: "demo",
    uid: "s1",
    labels: { app: "echoserver" },
    annotations: { a: "b" },
  },
  spec: {
    type: "NodePort",
    selector: { app: "echoserver" },
    ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP", nodePort: 30080 }],
    clusterIP: "10.0.0.10",
    clusterIPs: ["10.0.0.10"],
    ipFamilies: ["IPv4"],
    ipFamilyPolicy: "SingleStack",
    sessionAffinity: "None",
  },
};

const ctx: ServiceContext = {
  namespace: "demo",
  stableService: "echoserver",
  revisionLabelKey: "pod-template-hash",
  stableRevision: "v1hash",
  canaryRevision: "v2hash",
  ownerRef: owner,
};

describe("canary Service", () => {
  it("copies the stable spec without cluster-assigned fields and selects canary pods", () => {
    expect(buildCanaryService(stable, ctx)).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "echoserver-canary", namespace: "demo", ownerReferences: [owner] },
      spec: {
        type: "NodePort",
        selector: { app: "echoserver", "pod-template-hash": "v2hash" },
        ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }],
        sessionAffinity: "None",
      },
    });
  });

  it("applies patchPodTemplateMetadata labels only to existing selector keys, unless AppendPodSelector", () => {
    const patched = { ...ctx, canarySelectorPatch: { app: "echoserver-canary", track: "canary" } };
    expect(buildCanaryService(stable, patched).spec?.selector).toEqual({
      app: "echoserver-canary",
      "pod-template-hash": "v2hash",
    });
    expect(buildCanaryService(stable, { ...patched, appendPodSelector: true }).spec?.selector).toEqual({
      app: "echoserver-canary",
      "pod-template-hash": "v2hash",
      track: "canary",
    });
  });

  it("is named <svc>-canary unless generation is disabled or a TrafficRouting CR drives it", () => {
    expect(canaryServiceName("echoserver")).toBe("echoserver-canary");
    expect(canaryServiceName("echoserver", { disableGenerateCanaryService: true })).toBe("echoserver");
    expect(canaryServiceName("echoserver", { onlyTrafficRouting: true })).toBe("echoserver");
  });
});

describe("ensureServices", () => {
  it("waits while a revision is unknown", () => {
    expect(ensureServices(stable, undefined, { ...ctx, canaryRevision: "" })).toEqual({
      state: "wait-for-revisions",
    });
  });

  it("creates the canary Service and pins the stable one in one go", () => {
    expect(ensureServices(stable, undefined, ctx)).toEqual({
      state: "changed",
      actions: [
        { kind: "create", object: buildCanaryService(stable, ctx) },
        {
          kind: "patch",
          target: { apiVersion: "v1", kind: "Service", namespace: "demo", name: "echoserver" },
          patchType: "strategic",
          patch: { spec: { selector: { "pod-template-hash": "v1hash" } } },
        },
      ],
    });
  });

  it("re-points a canary Service left on another revision", () => {
    const canary = buildCanaryService(stable, { ...ctx, canaryRevision: "old" });
    const pinned = {
      ...stable,
      spec: { ...stable.spec, selector: { app: "echoserver", "pod-template-hash": "v1hash" } },
    };
    expect(ensureServices(pinned, canary, ctx)).toEqual({
      state: "changed",
      actions: [
        {
          kind: "patch",
          target: { apiVersion: "v1", kind: "Service", namespace: "demo", name: "echoserver-canary" },
          patchType: "strategic",
          patch: { spec: { selector: { "pod-template-hash": "v2hash" } } },
        },
      ],
    });
    expect(ensureServices(pinned, buildCanaryService(stable, ctx), ctx)).toEqual({ state: "ready" });
  });
});

describe("restore", () => {
  const pinned: Service = {
    ...stable,
    spec: { ...stable.spec, selector: { app: "echoserver", "pod-template-hash": "v1hash" } },
  };

  it("pins the stable selector only when needed", () => {
    expect(pinStableService(pinned, "pod-template-hash", "v1hash")).toBeUndefined();
    expect(pinStableService(stable, "pod-template-hash", "v1hash")).toMatchObject({
      patch: { spec: { selector: { "pod-template-hash": "v1hash" } } },
    });
  });

  it("removes the revision key from the stable selector with a null SMP", () => {
    expect(restoreStableService(pinned, "pod-template-hash")).toEqual({
      done: false,
      actions: [
        {
          kind: "patch",
          target: { apiVersion: "v1", kind: "Service", namespace: "demo", name: "echoserver" },
          patchType: "strategic",
          patch: { spec: { selector: { "pod-template-hash": null } } },
        },
      ],
    });
    expect(restoreStableService(stable, "pod-template-hash")).toEqual({ done: true, actions: [] });
    expect(restoreStableService(undefined, "pod-template-hash")).toEqual({ done: true, actions: [] });
  });

  it("deletes the canary Service only when it exists and was generated", () => {
    const canary = buildCanaryService(stable, ctx);
    expect(removeCanaryService(canary, {})).toEqual({
      done: false,
      actions: [
        {
          kind: "delete",
          target: { apiVersion: "v1", kind: "Service", namespace: "demo", name: "echoserver-canary" },
        },
      ],
    });
    expect(removeCanaryService(undefined, {})).toEqual({ done: true, actions: [] });
    expect(removeCanaryService(stable, { disableGenerateCanaryService: true })).toEqual({
      done: true,
      actions: [],
    });
  });
});

describe("grace periods", () => {
  it("finalising waits the largest grace, 0 meaning no wait", () => {
    expect(graceSeconds([{ service: "a", gracePeriodSeconds: 0 }])).toBe(0);
    expect(
      graceSeconds([
        { service: "a", gracePeriodSeconds: 5 },
        { service: "b", gracePeriodSeconds: 2 },
      ]),
    ).toBe(5);
    expect(graceSeconds([{ service: "a" }])).toBe(3);
    expect(graceSeconds([])).toBe(3);
  });

  it("a routing step reads 0 and negatives as the default 3", () => {
    expect(stepGraceSeconds({ service: "a", gracePeriodSeconds: 0 })).toBe(3);
    expect(stepGraceSeconds({ service: "a", gracePeriodSeconds: -1 })).toBe(3);
    expect(stepGraceSeconds({ service: "a", gracePeriodSeconds: 10 })).toBe(10);
  });
});
