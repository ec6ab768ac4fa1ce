import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertRolloutToV1beta1 } from "../../src/api/conversion.js";
import { RolloutV1alpha1 } from "../../src/api/rollout-v1alpha1.js";
import { RolloutV1beta1 } from "../../src/api/rollout-v1beta1.js";
import { validateRolloutV1alpha1, validateRolloutV1beta1 } from "../../src/api/validation.js";
import { Annotations } from "../../src/api/well-known.js";
import { isConflict } from "../../src/kube/api-error.js";
import { rolloutV1alpha1, rolloutV1beta1 } from "../unit/api/arbitraries.js";
import { createRollout, getRollout, type Obj, putRollout, type Version } from "./support/api.js";
import { connect, createNamespace, deleteNamespace, type TestCluster } from "./support/cluster.js";

// Issue §6 "round-trip", through the real apiserver and our conversion webhook: random valid
// Rollouts created in one version, read in the other, written back unchanged in the other, and
// read in the first again keep every field. The status goes through the status subresource in a
// dry run (the controller owns the stored status and would race a real write).

const RUNS = { numRuns: 25, seed: 20260401 };

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === "object" && v !== null && !Array.isArray(v);

/** Keeps the first entry of each name: list-map keys are unique in the CRD schema. */
function uniqueByName(list: unknown): void {
  if (!Array.isArray(list)) return;
  const seen = new Set<unknown>();
  for (let i = list.length - 1; i >= 0; i--) {
    const name = (list[i] as J).name;
    if (seen.has(name)) list.splice(i, 1);
    seen.add(name);
  }
  const names = list.map((e) => (e as J).name);
  if (new Set(names).size !== names.length) list.splice(0, list.length);
}

function workloadFor(kind: unknown, name: string) {
  if (kind === "Deployment") return { apiVersion: "apps/v1", kind, name };
  if (kind === "CloneSet") return { apiVersion: "apps.kruise.io/v1alpha1", kind, name };
  return { apiVersion: "apps/v1", kind: "StatefulSet", name };
}

/**
 * Makes a random Rollout of the arbitraries (schema-valid, not necessarily rule-valid) valid
 * for the apiserver and the webhook, keeping its shape: unique names, increasing step sizes within
 * the limits, one complete traffic routing, label values the apiserver accepts.
 */
function repairSteps(steps: unknown, alpha: boolean, blueGreen: boolean): J[] {
  const list = (Array.isArray(steps) && steps.length > 0 ? steps : [{}]) as J[];
  return list.map((step, i) => {
    const s = structuredClone(step);
    const size = (i + 1) * 10;
    if (alpha) {
      if (s.weight !== undefined) s.weight = size;
      if (s.replicas !== undefined) s.replicas = typeof s.replicas === "number" ? i + 1 : `${size}%`;
      if (s.weight === undefined && s.replicas === undefined) s.weight = size;
    } else {
      s.replicas = typeof s.replicas === "number" ? i + 1 : `${size}%`;
      if (s.traffic !== undefined) s.traffic = blueGreen && i === 0 ? "0%" : `${size}%`;
    }
    for (const m of (s.matches as J[] | undefined) ?? []) {
      uniqueByName(m.headers);
      uniqueByName(m.queryParams);
    }
    const modifier = s.requestHeaderModifier as J | undefined;
    if (modifier) {
      uniqueByName(modifier.set);
      uniqueByName(modifier.add);
    }
    return s;
  });
}

function repairSub(sub: J, alpha: boolean, blueGreen: boolean): void {
  sub.steps = repairSteps(sub.steps, alpha, blueGreen);
  if (Array.isArray(sub.trafficRoutings) && sub.trafficRoutings.length > 0) {
    const ref = structuredClone(sub.trafficRoutings[0]) as J;
    if (typeof ref.gracePeriodSeconds === "number") ref.gracePeriodSeconds = Math.abs(ref.gracePeriodSeconds);
    if (isObj(ref.gateway) && !ref.gateway.httpRouteName) ref.gateway.httpRouteName = "route";
    if (!ref.ingress && !ref.gateway && !ref.customNetworkRefs) ref.ingress = { name: String(ref.service) };
    sub.trafficRoutings = [ref];
  }
}

function repair(raw: J, name: string): Obj {
  const o = structuredClone(raw) as Obj;
  const alpha = o.apiVersion === "rollouts.kruise.io/v1alpha1";
  const meta = (o.metadata ?? {}) as J;
  o.metadata = {
    name,
    ...(isObj(meta.labels)
      ? { labels: Object.fromEntries(Object.keys(meta.labels).map((k) => [`${k}x`, "v"])) }
      : {}),
    ...(isObj(meta.annotations) ? { annotations: { ...(meta.annotations as Record<string, string>) } } : {}),
  };
  const annotations = o.metadata.annotations;
  if (annotations?.[Annotations.rollingStyle] === "bluegreen")
    annotations[Annotations.rollingStyle] = "partition";
  delete o.status;
  const spec = o.spec as J | undefined;
  if (!spec) return o;
  const strategy = spec.strategy as J;
  if (alpha) {
    const ref = ((spec.objectRef as J).workloadRef ?? {}) as J;
    spec.objectRef = { workloadRef: workloadFor(ref.kind, name) };
    if (isObj(strategy.canary)) repairSub(strategy.canary, true, false);
    else strategy.canary = { steps: repairSteps(undefined, true, false) };
  } else {
    if (strategy.canary && strategy.blueGreen) delete strategy.blueGreen;
    if (!strategy.canary && !strategy.blueGreen) strategy.canary = {};
    const blueGreen = isObj(strategy.blueGreen);
    const ref = spec.workloadRef as J;
    spec.workloadRef = workloadFor(blueGreen && ref.kind === "StatefulSet" ? "Deployment" : ref.kind, name);
    repairSub((strategy.canary ?? strategy.blueGreen) as J, false, blueGreen);
  }
  return o;
}

function validFor(o: Obj): string[] {
  const alpha = o.apiVersion === "rollouts.kruise.io/v1alpha1";
  const beta = alpha ? convertRolloutToV1beta1(o as never) : o;
  const errors = [
    ...(alpha ? validateRolloutV1alpha1(RolloutV1alpha1.parse(o)) : []),
    ...validateRolloutV1beta1(RolloutV1beta1.parse(beta)),
  ];
  return errors.map((e) => `${e.field}: ${e.message}`);
}

const OURS: string[] = [Annotations.v1alpha1Only, Annotations.v1beta1Only, Annotations.rolloutHash];
/** What a client wrote: spec, labels and annotations, without what the controller and conversion add. */
function written(o: Obj) {
  const annotations = Object.fromEntries(
    Object.entries(o.metadata?.annotations ?? {}).filter(([k]) => !OURS.includes(k)),
  );
  return {
    spec: o.spec,
    labels: o.metadata?.labels,
    annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
  };
}

/** A full-object PUT of the object as last read in `version`, retried with a fresh read on 409. */
async function writeBack(ns: string, name: string, version: Version): Promise<{ read: Obj; written: Obj }> {
  for (;;) {
    const read = await getRollout(ns, name, version);
    try {
      return { read, written: await putRollout(ns, read) };
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

let cluster: TestCluster;
let ns: string;
let counter = 0;

beforeAll(async () => {
  cluster = connect();
  ns = await createNamespace(cluster, "api-roundtrip");
});
afterAll(async () => {
  await deleteNamespace(cluster, ns);
});

const validAlpha = fc
  .tuple(rolloutV1alpha1, fc.constant(0))
  .map(([r]) => repair(r as J, `a-${counter++}`))
  .filter((r) => validFor(r).length === 0);
const validBeta = fc
  .tuple(rolloutV1beta1, fc.constant(0))
  .map(([r]) => repair(r as J, `b-${counter++}`))
  .filter((r) => validFor(r).length === 0);

describe("through the real apiserver and conversion webhook", () => {
  it("v1alpha1 → v1beta1 → v1alpha1 keeps every field", async () => {
    await fc.assert(
      fc.asyncProperty(validAlpha, async (sent) => {
        const name = sent.metadata?.name ?? "";
        const expected = RolloutV1alpha1.parse(sent);
        await createRollout(ns, sent);
        const first = await getRollout(ns, name, "v1alpha1");
        expect(written(first)).toEqual(written(expected as Obj));
        // Read as v1beta1 and written back unchanged as v1beta1 …
        const { read: beta, written: put } = await writeBack(ns, name, "v1beta1");
        expect(beta.apiVersion).toBe("rollouts.kruise.io/v1beta1");
        // … is a no-op for the apiserver: nothing changed.
        expect(put.metadata?.resourceVersion).toBe(beta.metadata?.resourceVersion);
        // … and reads as v1alpha1 exactly as written.
        const again = await getRollout(ns, name, "v1alpha1");
        expect(written(again)).toEqual(written(expected as Obj));
        expect(again.spec).toEqual(first.spec);
      }),
      RUNS,
    );
  });

  it("v1beta1 → v1alpha1 → v1beta1 keeps every field", async () => {
    await fc.assert(
      fc.asyncProperty(validBeta, async (sent) => {
        const name = sent.metadata?.name ?? "";
        const expected = RolloutV1beta1.parse(sent);
        await createRollout(ns, sent);
        const first = await getRollout(ns, name, "v1beta1");
        expect(written(first)).toEqual(written(expected as Obj));
        const { read: alpha } = await writeBack(ns, name, "v1alpha1");
        expect(alpha.apiVersion).toBe("rollouts.kruise.io/v1alpha1");
        const again = await getRollout(ns, name, "v1beta1");
        expect(written(again)).toEqual(written(expected as Obj));
      }),
      RUNS,
    );
  });

  it("statuses of both versions survive the other version's storage (status subresource, dry run)", async () => {
    const status = (arb: fc.Arbitrary<unknown>) =>
      arb.map((r) => (r as J).status).filter((s): s is J => isObj(s) && isObj(s.canaryStatus));
    const alphaBase = repair(
      {
        apiVersion: "rollouts.kruise.io/v1alpha1",
        kind: "Rollout",
        spec: { objectRef: { workloadRef: { kind: "Deployment" } }, strategy: {} },
      },
      "status-a",
    );
    const betaBase = repair(
      {
        apiVersion: "rollouts.kruise.io/v1beta1",
        kind: "Rollout",
        spec: { workloadRef: { kind: "Deployment" }, strategy: {} },
      },
      "status-b",
    );
    await createRollout(ns, alphaBase);
    await createRollout(ns, betaBase);
    await fc.assert(
      fc.asyncProperty(status(rolloutV1alpha1), status(rolloutV1beta1), async (alphaStatus, betaStatus) => {
        for (const [name, version, st, schema] of [
          ["status-a", "v1alpha1", alphaStatus, RolloutV1alpha1],
          ["status-b", "v1beta1", betaStatus, RolloutV1beta1],
        ] as const) {
          for (;;) {
            const current = await getRollout(ns, name, version as Version);
            try {
              const answer = await putRollout(ns, { ...current, status: st }, "status", true);
              expect(answer.status).toEqual(schema.parse({ status: st }).status);
              break;
            } catch (err) {
              if (!isConflict(err)) throw err;
            }
          }
        }
      }),
      RUNS,
    );
  });
});
