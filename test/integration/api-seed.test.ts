import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { convertRolloutToV1alpha1, convertRolloutToV1beta1 } from "../../src/api/conversion.js";
import { RolloutV1alpha1 } from "../../src/api/rollout-v1alpha1.js";
import { RolloutV1beta1 } from "../../src/api/rollout-v1beta1.js";
import { Annotations } from "../../src/api/well-known.js";
import { bothViews, createRollout, kubectlGet, type Obj, type Version } from "./support/api.js";
import {
  connect,
  createNamespace,
  deleteNamespace,
  eventually,
  sharedDir,
  type TestCluster,
} from "./support/cluster.js";
import { deployment } from "./support/workloads.js";

// Issue §6 "seed examples": the seed's Rollouts and the upstream tutorial's apply as written in
// both versions, and the same stored object read as v1alpha1 and as v1beta1 shows the same content
// (the conversion rules of spec §1.4, plus our restore annotations). Also the printer columns.

const V1A = "rollouts.kruise.io/v1alpha1";
const V1B = "rollouts.kruise.io/v1beta1";
const deploymentRef = { apiVersion: "apps/v1", kind: "Deployment", name: "echoserver" };
const statefulSetRef = { apiVersion: "apps/v1", kind: "StatefulSet", name: "echoserver" };

interface Example {
  title: string;
  /** As written (v1alpha1). */
  alpha: Obj;
  /** The same Rollout written by hand as v1beta1 (spec §1.4). */
  beta: Obj;
  /** v1alpha1 fields with no v1beta1 counterpart: absent from the v1alpha1 view of `beta`. */
  alphaOnly?: string[];
  /** How the v1alpha1 view of `beta` differs from `alpha` otherwise (spec §1.4). */
  alphaViewOfBeta?: (spec: Record<string, unknown>) => void;
}

const examples: Example[] = [
  {
    title: "upstream tutorial (docs/tutorials/basic_usage.md)",
    alpha: {
      apiVersion: V1A,
      kind: "Rollout",
      metadata: { name: "rollouts-demo" },
      spec: {
        objectRef: { workloadRef: deploymentRef },
        strategy: {
          canary: {
            steps: [{ weight: 5, pause: {}, replicas: "20%" }],
            trafficRoutings: [{ service: "echoserver", ingress: { name: "echoserver" } }],
          },
        },
      },
    },
    beta: {
      apiVersion: V1B,
      kind: "Rollout",
      metadata: { name: "rollouts-demo" },
      spec: {
        workloadRef: deploymentRef,
        strategy: {
          canary: {
            enableExtraWorkloadForCanary: true,
            steps: [{ traffic: "5%", pause: {}, replicas: "20%" }],
            trafficRoutings: [{ service: "echoserver", ingress: { name: "echoserver" } }],
          },
        },
      },
    },
  },
  {
    title: "seed §2: Gateway API HTTPRoute canary",
    alpha: {
      apiVersion: V1A,
      kind: "Rollout",
      metadata: { name: "rollouts-gateway" },
      spec: {
        objectRef: { workloadRef: deploymentRef },
        strategy: {
          canary: {
            steps: [{ weight: 20, pause: {} }],
            trafficRoutings: [{ service: "echoserver", gateway: { httpRouteName: "echoserver" } }],
          },
        },
      },
    },
    beta: {
      apiVersion: V1B,
      kind: "Rollout",
      metadata: { name: "rollouts-gateway" },
      spec: {
        workloadRef: deploymentRef,
        strategy: {
          canary: {
            enableExtraWorkloadForCanary: true,
            steps: [{ traffic: "20%", replicas: "20%", pause: {} }],
            trafficRoutings: [{ service: "echoserver", gateway: { httpRouteName: "echoserver" } }],
          },
        },
      },
    },
    // v1beta1 requires the replicas that v1alpha1 let `weight` stand in for.
    alphaViewOfBeta: (spec) => {
      const steps = (spec.strategy as { canary: { steps: Record<string, unknown>[] } }).canary.steps;
      if (steps[0]) steps[0].replicas = "20%";
    },
  },
  {
    title: "seed §3: StatefulSet in three batches",
    alpha: {
      apiVersion: V1A,
      kind: "Rollout",
      metadata: { name: "rollouts-demo" },
      spec: {
        objectRef: { workloadRef: statefulSetRef },
        strategy: {
          canary: {
            steps: [{ replicas: 1, pause: {} }, { replicas: 2, pause: { duration: 60 } }, { replicas: 2 }],
          },
        },
      },
    },
    beta: {
      apiVersion: V1B,
      kind: "Rollout",
      metadata: { name: "rollouts-demo", annotations: { [Annotations.rollingStyle]: "canary" } },
      spec: {
        workloadRef: statefulSetRef,
        strategy: {
          canary: {
            // v1alpha1 without the rolling-style annotation converts to `true`; for a StatefulSet it
            // still means partition style.
            enableExtraWorkloadForCanary: true,
            steps: [{ replicas: 1, pause: {} }, { replicas: 2, pause: { duration: 60 } }, { replicas: 2 }],
          },
        },
      },
    },
  },
  {
    title: "seed §4: spec.rolloutID for batch labels",
    alpha: {
      apiVersion: V1A,
      kind: "Rollout",
      metadata: { name: "rollouts-demo" },
      spec: {
        rolloutID: "webserver-20220728120533",
        objectRef: { workloadRef: statefulSetRef },
        strategy: { canary: { steps: [{ replicas: 1, pause: {} }, { replicas: "100%" }] } },
      },
    },
    beta: {
      apiVersion: V1B,
      kind: "Rollout",
      metadata: { name: "rollouts-demo" },
      spec: {
        workloadRef: statefulSetRef,
        strategy: {
          canary: {
            enableExtraWorkloadForCanary: true,
            steps: [{ replicas: 1, pause: {} }, { replicas: "100%" }],
          },
        },
      },
    },
    alphaOnly: ["rolloutID"],
  },
];

/** The upstream e2e Rollouts (v0.6.2 test data), each applied as written. */
function e2eRollouts(): { file: string; obj: Obj }[] {
  const dir = join(sharedDir, "upstream-e2e-data", "rollout");
  return readdirSync(dir)
    .filter((f) => f.startsWith("rollout_") && f.endsWith(".yaml"))
    .map((file) => ({ file, obj: parse(readFileSync(join(dir, file), "utf8")) as Obj }))
    .filter(({ obj }) => obj.kind === "Rollout");
}

const CONVERSION_KEYS: string[] = [
  Annotations.v1alpha1Only,
  Annotations.v1beta1Only,
  Annotations.rollingStyle,
  Annotations.trafficRouting,
];
const userAnnotations = (o: Obj) =>
  Object.fromEntries(
    Object.entries(o.metadata?.annotations ?? {}).filter(
      ([k]) => !CONVERSION_KEYS.includes(k) && k !== Annotations.rolloutHash,
    ),
  );

/**
 * The two views of one object agree: each is exactly what our conversion makes of the other
 * (metadata, spec and status), and the identity, labels and user annotations are the same.
 */
function expectSameContent(alpha: Obj, beta: Obj): void {
  expect(alpha.apiVersion).toBe(V1A);
  expect(beta.apiVersion).toBe(V1B);
  expect(convertRolloutToV1alpha1(beta as never)).toEqual(alpha);
  // Up again gives the stored object, apart from the restore bookkeeping, which is recomputed
  // (it can differ in form after another writer, e.g. the controller, touched the object).
  const up = convertRolloutToV1beta1(alpha as never) as Obj;
  expect(withoutRestores(up)).toEqual(withoutRestores(beta));
  expect(convertRolloutToV1alpha1(up as never)).toEqual(alpha);
  for (const key of ["name", "namespace", "uid", "resourceVersion", "generation", "labels", "finalizers"]) {
    expect(alpha.metadata?.[key]).toEqual(beta.metadata?.[key]);
  }
  expect(userAnnotations(alpha)).toEqual(userAnnotations(beta));
}

function withoutRestores(o: Obj): Obj {
  const annotations = { ...o.metadata?.annotations };
  delete annotations[Annotations.v1alpha1Only];
  delete annotations[Annotations.v1beta1Only];
  return { ...o, metadata: { ...o.metadata, annotations } };
}

const withoutKeys = (spec: Record<string, unknown> | undefined, keys: string[] = []) =>
  Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !keys.includes(k)));

let cluster: TestCluster;
const namespaces: string[] = [];
async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(cluster, prefix);
  namespaces.push(ns);
  return ns;
}

beforeAll(() => {
  cluster = connect();
});
afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(cluster, ns);
});

describe.each(examples)("$title", (ex) => {
  it("applies as written in both versions; both views show the same content", async () => {
    const [nsA, nsB] = [await namespace("api-seed-a"), await namespace("api-seed-b")];
    const name = ex.alpha.metadata?.name ?? "";
    await createRollout(nsA, ex.alpha);
    await createRollout(nsB, ex.beta);

    // Written as v1alpha1: the v1alpha1 view is what was written (plus CRD defaults), the v1beta1
    // view is the hand-written v1beta1 equivalent (plus its defaults).
    const a = await bothViews(nsA, name);
    expectSameContent(a.alpha, a.beta);
    expect(a.alpha.spec).toEqual(RolloutV1alpha1.parse(ex.alpha).spec);
    expect(a.beta.spec).toEqual(RolloutV1beta1.parse(ex.beta).spec);

    // Written as v1beta1: the same two views, except what v1alpha1 alone can say.
    const b = await bothViews(nsB, name);
    expectSameContent(b.alpha, b.beta);
    expect(b.beta.spec).toEqual(RolloutV1beta1.parse(ex.beta).spec);
    const alphaView = withoutKeys(structuredClone(a.alpha.spec), ex.alphaOnly);
    ex.alphaViewOfBeta?.(alphaView);
    expect(b.alpha.spec).toEqual(alphaView);
    expect(b.alpha.metadata?.annotations?.[Annotations.rollingStyle]).toBe("canary");
  });
});

describe("upstream e2e Rollouts (v0.6.2 test data)", () => {
  const files = e2eRollouts();
  it("are all there", () => {
    expect(files.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        "rollout_canary_base.yaml",
        "rollout_v1beta1_canary_base.yaml",
        "rollout_v1beta1_bluegreen_base.yaml",
        "rollout_v1beta1_partition_base.yaml",
      ]),
    );
  });

  it.each(files)("$file applies as written and through the other version", async ({ obj }) => {
    const written = structuredClone(obj);
    if (written.metadata) delete written.metadata.namespace;
    const name = written.metadata?.name ?? "";
    const version = String(written.apiVersion).split("/")[1] as Version;
    const other =
      version === "v1alpha1"
        ? convertRolloutToV1beta1(written as never)
        : convertRolloutToV1alpha1(written as never);

    const nsWritten = await namespace("api-e2e");
    await createRollout(nsWritten, written);
    const views = await bothViews(nsWritten, name);
    expectSameContent(views.alpha, views.beta);
    const schema = version === "v1alpha1" ? RolloutV1alpha1 : RolloutV1beta1;
    expect(version === "v1alpha1" ? views.alpha.spec : views.beta.spec).toEqual(schema.parse(written).spec);

    // Its other-version form applies too and is stored as the same object.
    const nsOther = await namespace("api-e2e");
    await createRollout(nsOther, other as Obj);
    const otherViews = await bothViews(nsOther, name);
    expectSameContent(otherViews.alpha, otherViews.beta);
    expect(otherViews.beta.spec).toEqual(views.beta.spec);
    expect(otherViews.alpha.spec).toEqual(views.alpha.spec);
  });
});

describe("printer columns", () => {
  it("show phase, step, state and message in both versions", async () => {
    const ns = await namespace("api-columns");
    await cluster.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment(ns, "echoserver", 2, "echo:v1"),
    });
    await createRollout(ns, examples[0]?.alpha as Obj);
    // A blue-green Rollout: v1alpha1 cannot show it, so its v1alpha1 columns are empty (as upstream).
    const blueGreen = parse(
      readFileSync(join(sharedDir, "upstream-e2e-data/rollout/rollout_v1beta1_bluegreen_base.yaml"), "utf8"),
    ) as Obj;
    await createRollout(ns, {
      ...blueGreen,
      metadata: { name: "bluegreen" },
      spec: { ...blueGreen.spec, workloadRef: { ...deploymentRef, name: "other" } },
    });
    await eventually("both Rollouts have a status", async () => {
      const [a, b] = [await bothViews(ns, "rollouts-demo"), await bothViews(ns, "bluegreen")];
      return a.beta.status?.phase === "Healthy" && b.beta.status?.phase !== undefined;
    });
    // The columns of each version, from the fields they name, for a stable pair of views (the
    // server-side table prints a missing value as an empty cell).
    const cell = (v: unknown) => (v === undefined ? "" : String(v));
    const expectedRow = (o: Obj) => {
      const st = (o.status ?? {}) as Record<string, unknown>;
      const step = o.apiVersion === V1A ? (st.canaryStatus as Record<string, unknown> | undefined) : st;
      return {
        NAME: o.metadata?.name,
        STATUS: cell(st.phase),
        CANARY_STEP: cell(step?.currentStepIndex),
        CANARY_STATE: cell(step?.currentStepState),
        MESSAGE: cell(st.message),
      };
    };
    const resources = {
      v1alpha1: "rollouts.v1alpha1.rollouts.kruise.io",
      v1beta1: "rollouts.v1beta1.rollouts.kruise.io",
    };
    await eventually("printer columns", async () => {
      const views = { demo: await bothViews(ns, "rollouts-demo"), bg: await bothViews(ns, "bluegreen") };
      const alphaRows = await kubectlGet(resources.v1alpha1, ns);
      const betaRows = await kubectlGet(resources.v1beta1, ns);
      const after = await bothViews(ns, "rollouts-demo");
      if (after.beta.metadata?.resourceVersion !== views.demo.beta.metadata?.resourceVersion) return false;
      const row = (rows: Record<string, string>[], name: string) => rows.find((r) => r.NAME === name);
      const context = JSON.stringify({ alphaRows, betaRows, bg: views.bg.beta.status });
      expect(row(alphaRows, "rollouts-demo"), context).toMatchObject(expectedRow(views.demo.alpha));
      expect(row(betaRows, "rollouts-demo"), context).toMatchObject(expectedRow(views.demo.beta));
      expect(row(betaRows, "bluegreen"), context).toMatchObject(expectedRow(views.bg.beta));
      // A blue-green Rollout has no v1alpha1 form: its v1alpha1 columns are empty, as upstream.
      expect(row(alphaRows, "bluegreen")).toMatchObject({
        STATUS: "",
        CANARY_STEP: "",
        CANARY_STATE: "",
      });
      // The tutorial Rollout is Healthy, and both versions print the same step and state.
      expect(row(alphaRows, "rollouts-demo")).toMatchObject({ STATUS: "Healthy" });
      expect(row(alphaRows, "rollouts-demo")?.CANARY_STEP).toBe(row(betaRows, "rollouts-demo")?.CANARY_STEP);
      expect(row(alphaRows, "rollouts-demo")?.CANARY_STATE).toBe(
        row(betaRows, "rollouts-demo")?.CANARY_STATE,
      );
      expect(row(alphaRows, "rollouts-demo")?.AGE).toMatch(/^\d+s$/);
      return true;
    });
  });
});
