import { describe, expect, it } from "vitest";
import { ApiError, isConflict, isGone, isNotFound } from "../../../src/kube/api-error.js";
import { parseDuration } from "../../../src/kube/duration.js";
import { objectKey, splitKey } from "../../../src/kube/object.js";
import { guardedJsonPatch, guardedMergePatch, pointerSegment } from "../../../src/kube/patch.js";
import { leases, resourcePath, secrets } from "../../../src/kube/resource.js";
import { TokenBucket } from "../../../src/kube/token-bucket.js";
import { FakeClock } from "./fake-clock.js";

const rollouts = { group: "rollouts.kruise.io", version: "v1beta1", plural: "rollouts" };

describe("resource paths and keys", () => {
  it("builds core, group, namespaced and subresource paths", () => {
    expect(resourcePath(secrets, { namespace: "kr", name: "certs" })).toBe(
      "/api/v1/namespaces/kr/secrets/certs",
    );
    expect(resourcePath(leases)).toBe("/apis/coordination.k8s.io/v1/leases");
    expect(resourcePath(rollouts, { namespace: "default", name: "demo", subresource: "status" })).toBe(
      "/apis/rollouts.kruise.io/v1beta1/namespaces/default/rollouts/demo/status",
    );
  });

  it("round-trips object keys", () => {
    expect(objectKey({ metadata: { namespace: "ns", name: "a" } })).toBe("ns/a");
    expect(splitKey("ns/a")).toEqual({ namespace: "ns", name: "a" });
    expect(splitKey("cluster-scoped")).toEqual({ name: "cluster-scoped" });
  });
});

describe("guarded patches", () => {
  it("puts the resourceVersion precondition into a merge patch without dropping metadata", () => {
    const patch = { metadata: { labels: { a: "b" } }, status: { currentStepState: "StepReady" } };
    expect(guardedMergePatch(patch, "42")).toEqual({
      metadata: { labels: { a: "b" }, resourceVersion: "42" },
      status: { currentStepState: "StepReady" },
    });
    expect(guardedMergePatch(patch)).toBe(patch);
  });

  it("prefixes a JSON patch with a resourceVersion test", () => {
    const op = { op: "replace" as const, path: "/spec/paused", value: true };
    expect(guardedJsonPatch([op], "7")).toEqual([
      { op: "test", path: "/metadata/resourceVersion", value: "7" },
      op,
    ]);
  });

  it("escapes label keys for JSON pointers", () => {
    expect(`/metadata/labels/${pointerSegment("rollouts.kruise.io/rollout-id")}`).toBe(
      "/metadata/labels/rollouts.kruise.io~1rollout-id",
    );
    expect(pointerSegment("a~b")).toBe("a~0b");
  });
});

describe("API errors", () => {
  it("classifies conflicts, Gone and NotFound", () => {
    expect(isConflict(new ApiError(409, { reason: "Conflict", message: "object has been modified" }))).toBe(
      true,
    );
    expect(isConflict(new ApiError(409, { reason: "AlreadyExists" }))).toBe(false);
    expect(
      isConflict(new ApiError(422, { reason: "Invalid", message: "the server rejected our request" })),
    ).toBe(false);
    expect(isGone(new ApiError(410, { reason: "Expired" }))).toBe(true);
    expect(isNotFound(new ApiError(404))).toBe(true);
    expect(isNotFound(new Error("404"))).toBe(false);
  });
});

describe("durations", () => {
  it("parses Go-style durations and rejects unitless numbers", () => {
    expect(parseDuration("15s")).toBe(15_000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(() => parseDuration("15")).toThrow(/unit/);
    expect(() => parseDuration("15x")).toThrow(/invalid/);
  });
});

describe("TokenBucket", () => {
  it("lets a burst through at once, then paces requests at the QPS", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    const start = clock.now();
    const granted: number[] = [];
    const takes = Array.from({ length: 6 }, () =>
      bucket.take().then(() => granted.push(clock.now() - start)),
    );
    await clock.advance(1_000);
    await Promise.all(takes);
    expect(granted).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it("refills up to the burst while idle", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1, 2, clock);
    await bucket.take();
    await bucket.take();
    await clock.advance(60_000);
    const start = clock.now();
    const granted: number[] = [];
    const takes = Array.from({ length: 3 }, () =>
      bucket.take().then(() => granted.push(clock.now() - start)),
    );
    await clock.advance(5_000);
    await Promise.all(takes);
    expect(granted).toEqual([0, 0, 1_000]);
  });
});
