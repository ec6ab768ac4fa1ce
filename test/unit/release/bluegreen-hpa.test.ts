import { describe, expect, it } from "vitest";
import {
  disableHpa,
  type HorizontalPodAutoscaler,
  hpaOf,
  restoreHpa,
} from "../../../src/release/control/bluegreen-hpa.js";

const hpa = (
  name: string,
  apiVersion = "autoscaling/v2",
  ref: Partial<HorizontalPodAutoscaler["spec"]["scaleTargetRef"]> = {},
): HorizontalPodAutoscaler => ({
  apiVersion,
  kind: "HorizontalPodAutoscaler",
  metadata: { name: `hpa-${apiVersion.slice(-2)}`, namespace: "ns" },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name, ...ref } },
});
const deploymentKind = { apiVersion: "apps/v1", kind: "Deployment" };
const workload = { metadata: { name: "demo" } };

describe("blue-green HPA detach (upstream bluegreenstyle/hpa)", () => {
  it("finds the workload's HPA attached or detached, autoscaling/v2 first", () => {
    expect(hpaOf(workload, deploymentKind, [hpa("demo", "autoscaling/v1"), hpa("demo")])?.apiVersion).toBe(
      "autoscaling/v2",
    );
    expect(hpaOf(workload, deploymentKind, [hpa("demo-DisableByRollout")])).toBeDefined();
    expect(hpaOf(workload, deploymentKind, [hpa("other")])).toBeUndefined();
    expect(
      hpaOf(workload, deploymentKind, [hpa("demo", "autoscaling/v2", { kind: "StatefulSet" })]),
    ).toBeUndefined();
    expect(
      hpaOf(workload, deploymentKind, [hpa("demo", "autoscaling/v2", { apiVersion: "apps/v1beta1" })]),
    ).toBeUndefined();
  });

  it("detaches once and re-attaches once", () => {
    const target = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      namespace: "ns",
      name: "hpa-v2",
    };
    expect(disableHpa(hpa("demo"))).toEqual([
      {
        kind: "patch",
        target,
        patchType: "merge",
        patch: { spec: { scaleTargetRef: { name: "demo-DisableByRollout" } } },
      },
    ]);
    expect(disableHpa(hpa("demo-DisableByRollout"))).toEqual([]);
    expect(restoreHpa(hpa("demo-DisableByRollout-DisableByRollout"))).toEqual([
      { kind: "patch", target, patchType: "merge", patch: { spec: { scaleTargetRef: { name: "demo" } } } },
    ]);
    expect(restoreHpa(hpa("demo"))).toEqual([]);
    expect(disableHpa(undefined)).toEqual([]);
  });
});
