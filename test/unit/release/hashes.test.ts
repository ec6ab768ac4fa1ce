import { describe, expect, it } from "vitest";
import { releasePlanHash, releasePlanJson } from "../../../src/release/plan-hash.js";
import { sameTemplateIgnoringHash, templateHash } from "../../../src/release/template-hash.js";
import { template } from "./fixtures.js";

describe("template hash (ours, not Kubernetes' go-spew hash)", () => {
  it("is stable across key order and empty values, and uses the safe alphabet", () => {
    const a = {
      metadata: { labels: { b: "2", a: "1" }, annotations: {} },
      spec: { containers: [{ name: "x", image: "i" }], volumes: [] },
    };
    const b = { spec: { containers: [{ image: "i", name: "x" }] }, metadata: { labels: { a: "1", b: "2" } } };
    expect(templateHash(a)).toBe(templateHash(b));
    expect(templateHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(templateHash(template("v1"))).not.toBe(templateHash(template("v2")));
  });

  it("changes with the collision count", () => {
    expect(templateHash(template("v1"), 1)).not.toBe(templateHash(template("v1")));
  });

  it("compares templates ignoring pod-template-hash", () => {
    const t = template("v1");
    expect(
      sameTemplateIgnoringHash(t, {
        ...t,
        metadata: { labels: { ...t.metadata.labels, "pod-template-hash": "x" } },
      }),
    ).toBe(true);
  });
});

describe("release plan hash (Go field order, omitempty)", () => {
  it("serialises like encoding/json", () => {
    expect(
      releasePlanJson({
        enableExtraWorkloadForCanary: true,
        rollingStyle: "Canary",
        patchPodTemplateMetadata: { labels: { z: "1", a: "<b>" }, annotations: {} },
        rolloutID: "r1",
        batchPartition: 0,
        batches: [{ canaryReplicas: "20%" }, { canaryReplicas: 3 }],
      }),
    ).toBe(
      '{"batches":[{"canaryReplicas":"20%"},{"canaryReplicas":3}],"batchPartition":0,"rolloutID":"r1","patchPodTemplateMetadata":{"labels":{"a":"\\u003cb\\u003e","z":"1"}},"rollingStyle":"Canary","enableExtraWorkloadForCanary":true}',
    );
    expect(releasePlanJson({ batches: [] })).toBe('{"batches":[],"enableExtraWorkloadForCanary":false}');
  });

  it("is the hex sha256 of that JSON", () => {
    expect(releasePlanHash({ batches: [] })).toMatch(/^[0-9a-f]{64}$/);
  });
});
