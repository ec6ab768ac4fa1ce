import { describe, expect, it } from "vitest";
import { crdCaBundlePatch, webhookCaBundlePatch } from "../../../src/webhook/ca-bundle.js";

describe("caBundle patches", () => {
  it("sets the bundle on each webhook that does not carry it yet", () => {
    const config = {
      webhooks: [
        { name: "a", clientConfig: { caBundle: "NEW" } },
        { name: "b", clientConfig: { service: { name: "svc" } } },
        { name: "c", clientConfig: { url: "https://127.0.0.1:9876/mutate", caBundle: "OLD" } },
      ],
    };
    expect(webhookCaBundlePatch(config, "NEW")).toEqual([
      { op: "add", path: "/webhooks/1/clientConfig/caBundle", value: "NEW" },
      { op: "add", path: "/webhooks/2/clientConfig/caBundle", value: "NEW" },
    ]);
    expect(
      webhookCaBundlePatch({ webhooks: [{ name: "a", clientConfig: { caBundle: "NEW" } }] }, "NEW"),
    ).toEqual([]);
  });

  it("patches a CRD's conversion webhook only when it converts by webhook", () => {
    const crd = {
      spec: { conversion: { strategy: "Webhook", webhook: { clientConfig: { service: { name: "svc" } } } } },
    };
    expect(crdCaBundlePatch(crd, "CA")).toEqual([
      { op: "add", path: "/spec/conversion/webhook/clientConfig/caBundle", value: "CA" },
    ]);
    expect(crdCaBundlePatch({ spec: { conversion: { strategy: "None" } } }, "CA")).toEqual([]);
    const current = {
      spec: { conversion: { strategy: "Webhook", webhook: { clientConfig: { caBundle: "CA" } } } },
    };
    expect(crdCaBundlePatch(current, "CA")).toEqual([]);
  });
});
