import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { auditLogPath } from "../../src/devcluster/components.js";
import { binaries } from "../../src/devcluster/paths.js";
import { createKubeClient } from "../../src/kube/client.js";
import { createNamespace, deleteNamespace, eventually, repoRoot } from "./support/cluster.js";
import {
  type FaultCluster,
  faultCluster,
  installSharedCrds,
  printLogsOnFailure,
  serviceAccountKubeconfig,
} from "./support/faults.js";
import { approve, readRollout } from "./support/rollouts.js";
import {
  Api,
  createEchoserver,
  type Obj,
  oneFixture,
  rolloutV1beta1,
  setImage,
  v2Image,
} from "./support/traffic.js";

// Issue 11, least privilege: the controller runs as the addon's ServiceAccount with exactly the
// ClusterRole and Role that addon/install.yaml renders, authenticated by a TokenRequest token, and
// completes a canary with nginx traffic routing and a partition-style release side by side, with
// its PKI in its Secret, leader election on, and a serving certificate that rotates meanwhile.
// The apiserver's audit log tells which of the granted permissions it used and whether any
// request was refused (a missing permission). `needed` below is the table of every permission
// granted and the code path that needs it: the rendered roles must grant exactly it, and
// impersonating the ServiceAccount (kubectl auth can-i --as) shows each entry allowed and every
// other verb on those resources, and a list of sensitive ones, refused.

const run = promisify(execFile);
const sa = "system:serviceaccount:kruise-rollout:kruise-rollout";

let fc: FaultCluster;
printLogsOnFailure(() => fc);
const namespaces: string[] = [];
const lines: string[] = [];

beforeAll(async () => {
  fc = await faultCluster("rbac", 3, { audit: true });
  // So the impersonated checks on HTTPRoutes, Istio and OpenKruise objects ask about resources that exist.
  await installSharedCrds(fc.raw, "gateway-api");
  await installSharedCrds(fc.raw, "istio");
  await installSharedCrds(fc.raw, "openkruise");
}, 600_000);

afterAll(async () => {
  for (const line of lines) console.log(`[reliability] ${line}`);
  for (const ns of namespaces) await deleteNamespace(fc.cluster, ns).catch(() => undefined);
  await fc?.stop();
}, 300_000);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

interface Need {
  /** "ClusterRole", or "Role" (the controller's own namespace). */
  scope: "ClusterRole" | "Role";
  /** resourceNames the grant is limited to. */
  names?: string[];
  /** The code path that needs it. */
  why: string;
  /** Set when the runs of this file do not take that path: where it is taken instead. */
  elsewhere?: string;
}

const crdNames = [
  "rollouts.rollouts.kruise.io",
  "batchreleases.rollouts.kruise.io",
  "trafficroutings.rollouts.kruise.io",
  "analysistemplates.rollouts.kruise.io",
  "clusteranalysistemplates.rollouts.kruise.io",
];
const cluster = (why: string, elsewhere?: string): Need => ({
  scope: "ClusterRole",
  why,
  ...(elsewhere ? { elsewhere } : {}),
});
const own = (why: string, names?: string[]): Need => ({ scope: "Role", why, ...(names ? { names } : {}) });
const inCluster = "the in-cluster (Service) webhook mode: src/webhook/ca-bundle.ts reads before it patches";
const ownerCheck =
  "owner references with blockOwnerDeletion, checked by the OwnerReferencesPermissionEnforcement " +
  "admission plugin (no request of its own in the audit log)";

/** Every permission granted, keyed "<group>/<resource> <verb>", and why it is needed. */
const needed: Record<string, Need> = {
  "core/events create": cluster("src/controller/events.ts: a new Event"),
  "core/events patch": cluster(
    "src/controller/events.ts: the count of an Event repeated within a minute",
    "any repeated Event",
  ),
  "core/pods list": cluster(
    "src/controller/observe-workload.ts: a released workload's pods, by label selector",
  ),
  "core/pods patch": cluster("src/release/labels.ts: batch labels"),
  "core/pods delete": cluster(
    "src/controller/native-daemonset.ts: a native DaemonSet's old pods, batch by batch",
    "daemonset-native.test.ts",
  ),
  "core/services get": cluster("src/controller/read-network.ts: the stable and canary Services"),
  "core/services create": cluster("src/traffic/services.ts: the canary Service"),
  "core/services patch": cluster("src/traffic/services.ts: the stable Service's pinned selector"),
  "core/services delete": cluster("src/traffic/services.ts: the canary Service, when finalising"),
  "admissionregistration.k8s.io/mutatingwebhookconfigurations get": {
    ...cluster("publish the CA bundle", inCluster),
    names: ["kruise-rollout-mutating-webhook-configuration"],
  },
  "admissionregistration.k8s.io/mutatingwebhookconfigurations patch": {
    ...cluster("src/webhook/ca-bundle.ts, src/controller/webhook-config.ts: the CA bundle"),
    names: ["kruise-rollout-mutating-webhook-configuration"],
  },
  "admissionregistration.k8s.io/validatingwebhookconfigurations get": {
    ...cluster("publish the CA bundle", inCluster),
    names: ["kruise-rollout-validating-webhook-configuration"],
  },
  "admissionregistration.k8s.io/validatingwebhookconfigurations patch": {
    ...cluster("src/webhook/ca-bundle.ts, src/controller/webhook-config.ts: the CA bundle"),
    names: ["kruise-rollout-validating-webhook-configuration"],
  },
  "apiextensions.k8s.io/customresourcedefinitions get": {
    ...cluster("publish the conversion CA bundle", inCluster),
    names: crdNames,
  },
  "apiextensions.k8s.io/customresourcedefinitions patch": {
    ...cluster("src/webhook/ca-bundle.ts, src/controller/webhook-config.ts: the conversion CA bundle"),
    names: crdNames,
  },
  "apps.kruise.io/clonesets list": cluster(
    "src/controller/optional-kind.ts: informer",
    "kruise-cloneset.test.ts",
  ),
  "apps.kruise.io/clonesets watch": cluster(
    "src/controller/optional-kind.ts: informer",
    "kruise-cloneset.test.ts",
  ),
  "apps.kruise.io/clonesets patch": cluster(
    "src/release/control/cloneset-partition.ts: the hold and the partition",
    "kruise-cloneset.test.ts",
  ),
  "apps.kruise.io/daemonsets list": cluster(
    "src/controller/optional-kind.ts: informer",
    "daemonset-advanced.test.ts",
  ),
  "apps.kruise.io/daemonsets watch": cluster(
    "src/controller/optional-kind.ts: informer",
    "daemonset-advanced.test.ts",
  ),
  "apps.kruise.io/daemonsets patch": cluster(
    "src/release/control/daemonset-advanced.ts: the partition",
    "daemonset-advanced.test.ts",
  ),
  "apps.kruise.io/statefulsets list": cluster(
    "src/controller/optional-kind.ts: informer",
    "kruise-advanced-statefulset.test.ts",
  ),
  "apps.kruise.io/statefulsets watch": cluster(
    "src/controller/optional-kind.ts: informer",
    "kruise-advanced-statefulset.test.ts",
  ),
  "apps.kruise.io/statefulsets patch": cluster(
    "src/release/control/statefulset-partition.ts: the partition",
    "kruise-advanced-statefulset.test.ts",
  ),
  "apps/controllerrevisions list": cluster("src/controller/caches.ts: informer (native DaemonSet revisions)"),
  "apps/controllerrevisions watch": cluster(
    "src/controller/caches.ts: informer (native DaemonSet revisions)",
  ),
  "apps/daemonsets list": cluster("src/controller/caches.ts: informer"),
  "apps/daemonsets watch": cluster("src/controller/caches.ts: informer"),
  "apps/daemonsets patch": cluster(
    "src/release/control/daemonset-native.ts: OnDelete and the batch annotation",
    "daemonset-native.test.ts",
  ),
  "apps/controllerrevisions get": cluster(
    "src/controller/stable-template.ts: an aborted StatefulSet's stable template",
    "an automatic abort of a StatefulSet (unit-tested; no integration test takes it yet)",
  ),
  "apps/deployments list": cluster("src/controller/caches.ts: informer"),
  "apps/deployments watch": cluster("src/controller/caches.ts: informer"),
  "apps/deployments create": cluster("src/release/control/deployment-canary.ts: the canary Deployment"),
  "apps/deployments patch": cluster("the hold, the partition-style strategy, canary scaling, rollback"),
  "apps/deployments/finalizers update": cluster(
    "src/release/control/partition-replica-sets.ts: ReplicaSets owned by the Deployment",
    ownerCheck,
  ),
  "apps/replicasets list": cluster("src/controller/caches.ts: informer"),
  "apps/replicasets watch": cluster("src/controller/caches.ts: informer"),
  "apps/replicasets create": cluster(
    "src/release/control/partition-replica-sets.ts: a partition-style new ReplicaSet",
  ),
  "apps/replicasets patch": cluster(
    "src/release/control/partition-replica-sets.ts: scaling within the partition",
  ),
  "apps/statefulsets list": cluster("src/controller/caches.ts: informer"),
  "apps/statefulsets watch": cluster("src/controller/caches.ts: informer"),
  "apps/statefulsets patch": cluster(
    "src/release/control/statefulset-partition.ts: the partition",
    "engine-matrix.test.ts (StatefulSet partition)",
  ),
  "autoscaling/horizontalpodautoscalers list": cluster(
    "src/controller/observe-hpa.ts: a blue-green workload's HPA",
    "bluegreen-deployment.test.ts",
  ),
  "autoscaling/horizontalpodautoscalers patch": cluster(
    "src/release/control/bluegreen-hpa.ts: detached for the release, re-attached after",
    "bluegreen-deployment.test.ts",
  ),
  "gateway.networking.k8s.io/httproutes get": cluster(
    "src/controller/read-network.ts",
    "traffic-gateway.test.ts",
  ),
  "gateway.networking.k8s.io/httproutes patch": cluster(
    "src/traffic/gateway.ts: weights and matches",
    "traffic-gateway.test.ts",
  ),
  "networking.istio.io/destinationrules get": cluster(
    "src/controller/read-network.ts: customNetworkRefs",
    "traffic-istio.test.ts",
  ),
  "networking.istio.io/destinationrules update": cluster(
    "src/traffic/lua-custom.ts: the script's result replaces it",
    "traffic-istio.test.ts",
  ),
  "networking.istio.io/virtualservices get": cluster(
    "src/controller/read-network.ts: customNetworkRefs",
    "traffic-istio.test.ts",
  ),
  "networking.istio.io/virtualservices update": cluster(
    "src/traffic/lua-custom.ts: the script's result replaces it",
    "traffic-istio.test.ts",
  ),
  "networking.k8s.io/ingresses get": cluster(
    "src/controller/read-network.ts: the stable and canary Ingresses",
  ),
  "networking.k8s.io/ingresses create": cluster("src/traffic/ingress.ts: the canary Ingress"),
  "networking.k8s.io/ingresses patch": cluster("src/traffic/ingress.ts: canary weight and matches"),
  "networking.k8s.io/ingresses delete": cluster(
    "src/traffic/ingress.ts: the canary Ingress, when finalising",
  ),
  "rollouts.kruise.io/analysistemplates get": cluster(
    "src/controller/analysis-source.ts",
    "analysis.test.ts",
  ),
  "rollouts.kruise.io/batchreleases list": cluster("src/controller/caches.ts: informer"),
  "rollouts.kruise.io/batchreleases watch": cluster("src/controller/caches.ts: informer"),
  "rollouts.kruise.io/batchreleases create": cluster("src/rollout/canary.ts: a Rollout's BatchRelease"),
  "rollouts.kruise.io/batchreleases patch": cluster(
    "src/rollout/canary.ts, finalise.ts: the release plan; finalizer removal",
  ),
  "rollouts.kruise.io/batchreleases delete": cluster("src/rollout/finalise.ts: when the release is done"),
  "rollouts.kruise.io/batchreleases/finalizers update": cluster(
    "src/release/control/control-info.ts: the canary Deployment owned by its BatchRelease",
    ownerCheck,
  ),
  "rollouts.kruise.io/batchreleases/status patch": cluster("src/controller/status-patch.ts"),
  "rollouts.kruise.io/clusteranalysistemplates get": cluster(
    "src/controller/analysis-source.ts",
    "a Rollout naming a ClusterAnalysisTemplate (unit-tested in test/unit/analysis/resolve.test.ts)",
  ),
  "rollouts.kruise.io/rollouts list": cluster("src/controller/caches.ts: informer"),
  "rollouts.kruise.io/rollouts watch": cluster("src/controller/caches.ts: informer"),
  "rollouts.kruise.io/rollouts patch": cluster("src/rollout/plan.ts: hash annotation and finalizer"),
  "rollouts.kruise.io/rollouts/finalizers update": cluster(
    "src/rollout/release-request.ts: a BatchRelease owned by its Rollout",
    ownerCheck,
  ),
  "rollouts.kruise.io/rollouts/status patch": cluster("src/controller/status-patch.ts"),
  "rollouts.kruise.io/trafficroutings list": cluster("src/controller/caches.ts: informer"),
  "rollouts.kruise.io/trafficroutings watch": cluster("src/controller/caches.ts: informer"),
  "rollouts.kruise.io/trafficroutings patch": cluster(
    "src/trafficrouting/plan.ts: one finalizer per holding Rollout",
    "traffic-shared.test.ts",
  ),
  "rollouts.kruise.io/trafficroutings/finalizers update": cluster(
    "src/controller/trafficrouting-reconciler.ts: canary objects owned by the TrafficRouting",
    ownerCheck,
  ),
  "rollouts.kruise.io/trafficroutings/status patch": cluster(
    "src/controller/status-patch.ts",
    "traffic-shared.test.ts",
  ),
  "core/configmaps get": own("src/traffic/script-source.ts: Lua script overrides", [
    "kruise-rollout-configuration",
  ]),
  "core/secrets create": own("src/webhook/cert-store.ts: the first webhook PKI"),
  "core/secrets get": own("src/webhook/cert-store.ts: the shared webhook PKI", [
    "kruise-rollout-webhook-certs",
  ]),
  "core/secrets update": own("src/webhook/cert-store.ts: a rotation, guarded by resourceVersion", [
    "kruise-rollout-webhook-certs",
  ]),
  "coordination.k8s.io/leases create": own("src/kube/leader.ts: the first election"),
  "coordination.k8s.io/leases get": own("src/kube/leader.ts", ["71ddec2c.kruise.io"]),
  "coordination.k8s.io/leases update": own("src/kube/leader.ts: renewals, guarded by resourceVersion", [
    "71ddec2c.kruise.io",
  ]),
};

function installDocs(): Obj[] {
  return parseAllDocuments(readFileSync(join(repoRoot, "addon", "install.yaml"), "utf8"))
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => !!d?.kind);
}

/** Every (group/resource, verb) a rule list grants, e.g. "apps/deployments get", with its scope and names. */
function grants(rules: Rule[], scope: Need["scope"]): Map<string, Pick<Need, "scope" | "names">> {
  const out = new Map<string, Pick<Need, "scope" | "names">>();
  for (const r of rules)
    for (const g of r.apiGroups)
      for (const res of r.resources)
        for (const v of r.verbs)
          out.set(`${g || "core"}/${res} ${v}`, {
            scope,
            ...(r.resourceNames ? { names: r.resourceNames } : {}),
          });
  return out;
}

/** The controller's ClusterRole and Role as addon/install.yaml renders them. */
function renderedGrants(docs: Obj[]): Map<string, Pick<Need, "scope" | "names">> {
  const clusterRole = docs.find(
    (d) => d.kind === "ClusterRole" && d.metadata.name === "kruise-rollout",
  ) as Obj;
  const role = docs.find((d) => d.kind === "Role") as Obj;
  return new Map([...grants(role.rules, "Role"), ...grants(clusterRole.rules, "ClusterRole")]);
}

async function kubectl(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(binaries.kubectl, [`--kubeconfig=${fc.kubeconfig}`, ...args]);
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** Runs `f` over `items`, `width` at a time (each call is one kubectl process). */
async function inBatches<T, R>(items: T[], width: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(f))));
  return out;
}

const allVerbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

/** `kubectl auth can-i` arguments for a table key, e.g. "apps/deployments/finalizers update". */
function canIArgs(key: string, name?: string): string[] {
  const [resourcePath = "", verb = ""] = key.split(" ");
  const [group = "", resource = "", subresource] = resourcePath.split("/");
  const qualified = group === "core" ? resource : `${resource}.${group}`;
  return [
    "auth",
    "can-i",
    verb,
    name ? `${qualified}/${name}` : qualified,
    ...(subresource ? [`--subresource=${subresource}`] : []),
    `--as=${sa}`,
  ];
}

const clusterScoped = new Set([
  "mutatingwebhookconfigurations",
  "validatingwebhookconfigurations",
  "customresourcedefinitions",
]);
const namespaceArgs = (key: string, ns: string) =>
  clusterScoped.has(key.split(" ")[0]?.split("/")[1] ?? "") ? [] : [`-n=${ns}`];

describe("least privilege", () => {
  it("the addon grants exactly the permissions a code path needs", async () => {
    const docs = installDocs();
    const rbacKinds = ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];
    const rbac = docs.filter((d) => rbacKinds.includes(d.kind));
    // Two ClusterRoles: the controller's, and the unbound opt-in for analysis Secrets.
    expect(rbac.map((d) => d.kind).sort()).toEqual([...rbacKinds, "ClusterRole"].sort());
    const granted = renderedGrants(docs);
    const grantedNotNeeded = [...granted.keys()].filter((k) => !(k in needed));
    const neededNotGranted = Object.keys(needed).filter((k) => !granted.has(k));
    expect(grantedNotNeeded, "granted, but no code path needs it").toEqual([]);
    expect(neededNotGranted, "needed, but not granted").toEqual([]);
    for (const [key, need] of Object.entries(needed)) {
      expect(granted.get(key), key).toEqual({
        scope: need.scope,
        ...(need.names ? { names: need.names } : {}),
      });
    }
    const paths: Record<string, string> = {
      ServiceAccount: "/api/v1/namespaces/kruise-rollout/serviceaccounts",
      ClusterRole: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
      ClusterRoleBinding: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
      Role: "/apis/rbac.authorization.k8s.io/v1/namespaces/kruise-rollout/roles",
      RoleBinding: "/apis/rbac.authorization.k8s.io/v1/namespaces/kruise-rollout/rolebindings",
    };
    for (const d of rbac) await fc.raw.request({ method: "POST", path: paths[d.kind] as string, body: d });
    lines.push(
      `least privilege: the addon grants ${granted.size} permissions, each in the table of code paths, ` +
        `${Object.values(needed).filter((n) => n.scope === "Role").length} of them only in its own namespace`,
    );
  });

  it("impersonating the ServiceAccount: each grant works, nothing more does", {
    timeout: 600_000,
  }, async () => {
    // [args after "auth can-i", allowed?, why]
    const probes: [string[], boolean, string][] = [];
    for (const [key, need] of Object.entries(needed)) {
      const name = need.names?.[0];
      const ns = need.scope === "Role" ? "kruise-rollout" : "default";
      probes.push([[...canIArgs(key, name), ...namespaceArgs(key, ns)], true, need.why]);
      // A grant limited by name covers no other name, and a Role grant no other namespace.
      if (name)
        probes.push([[...canIArgs(key, "someone-elses"), ...namespaceArgs(key, ns)], false, "by name only"]);
      if (need.scope === "Role")
        probes.push([[...canIArgs(key, name), "-n=default"], false, "own namespace only"]);
    }
    // Every other verb on every resource the table names is refused.
    const resources = new Set(Object.keys(needed).map((k) => k.split(" ")[0] as string));
    for (const resource of resources) {
      for (const verb of allVerbs) {
        const key = `${resource} ${verb}`;
        if (key in needed) continue;
        const name = Object.entries(needed).find(([k]) => k.startsWith(`${resource} `))?.[1].names?.[0];
        probes.push([[...canIArgs(key, name), ...namespaceArgs(key, "kruise-rollout")], false, "not needed"]);
        if (!clusterScoped.has(resource.split("/")[1] ?? ""))
          probes.push([[...canIArgs(key), "-n=default"], false, "not needed"]);
      }
    }
    // And what a controller like this must never do.
    const never: [string, string, string][] = [
      ["get", "secrets", "default"],
      ["list", "secrets", "kruise-rollout"],
      ["watch", "secrets", "kube-system"],
      ["create", "pods", "default"],
      ["create", "pods/exec", "default"],
      ["create", "statefulsets.apps", "default"],
      ["list", "nodes", ""],
      ["create", "namespaces", ""],
      ["delete", "namespaces", ""],
      ["update", "configmaps", "default"],
      ["create", "clusterrolebindings.rbac.authorization.k8s.io", ""],
      ["bind", "clusterroles.rbac.authorization.k8s.io", ""],
      ["escalate", "roles.rbac.authorization.k8s.io", "kruise-rollout"],
      ["impersonate", "users", ""],
      ["create", "serviceaccounts/token", "kruise-rollout"],
      ["create", "customresourcedefinitions.apiextensions.k8s.io", ""],
      ["create", "mutatingwebhookconfigurations.admissionregistration.k8s.io", ""],
      ["create", "events.events.k8s.io", "default"],
    ];
    for (const [verb, resource, ns] of never)
      probes.push([
        ["auth", "can-i", verb, resource, `--as=${sa}`, ...(ns ? [`-n=${ns}`] : [])],
        false,
        "never",
      ]);

    const failures = (
      await inBatches(probes, 6, async ([args, allowed, why]) => {
        const { out } = await kubectl(args);
        const yes = out.trim().startsWith("yes");
        return yes === allowed
          ? undefined
          : `${args.slice(2).join(" ")}: ${out.trim()} (expected ${allowed ? "yes" : "no"}: ${why})`;
      })
    ).filter((f): f is string => f !== undefined);

    // A real request, impersonated: the apiserver's own refusal.
    await fc.raw.request({
      method: "POST",
      path: "/api/v1/namespaces/default/secrets",
      body: { metadata: { name: "not-yours" }, stringData: { password: "x" } },
    });
    const list = await kubectl(["get", "secrets", "-n", "default", `--as=${sa}`]);
    expect(list.code).not.toBe(0);
    expect(list.out).toContain(
      `User "${sa}" cannot list resource "secrets" in API group "" in the namespace "default"`,
    );
    // Reading a Secret by name in another namespace is refused until that namespace opts in
    // (for analysis bearer tokens) with a RoleBinding to the analysis-secrets ClusterRole.
    const refused = await kubectl(["get", "secret", "not-yours", "-n", "default", `--as=${sa}`]);
    expect(refused.code).not.toBe(0);
    await fc.raw.request({
      method: "POST",
      path: "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
      body: {
        metadata: { name: "kruise-rollout-analysis-secrets" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "kruise-rollout-analysis-secrets",
        },
        subjects: [{ kind: "ServiceAccount", name: "kruise-rollout", namespace: "kruise-rollout" }],
      },
    });
    const optedIn = await eventually("the opted-in Secret readable", async () => {
      const r = await kubectl(["get", "secret", "not-yours", "-n", "default", `--as=${sa}`]);
      return r.code === 0 ? r : undefined;
    });
    expect(optedIn.code).toBe(0);
    const allowed = probes.filter((p) => p[1]).length;
    lines.push(
      `least privilege, impersonated: ${probes.length - failures.length}/${probes.length} probes as expected ` +
        `(${allowed} grants allowed, ${probes.length - allowed} refusals: every other verb on the same ` +
        `resources, other names, other namespaces, ${never.length} never-needed)` +
        (failures.length ? `; unexpected: ${failures.join("; ")}` : "") +
        "; a Secret in another namespace is readable only after that namespace opts in",
    );
    expect(failures).toEqual([]);
  });

  it("a canary and a partition-style release succeed under the ServiceAccount", {
    timeout: 1_500_000,
  }, async () => {
    // The webhook configurations exist before the controller runs, as the addon installs them:
    // a first controller (admin) creates them; the ServiceAccount's may only patch them by name.
    const bootstrap = await fc.startController();
    await bootstrap.stop();

    const saKubeconfig = await serviceAccountKubeconfig(fc, "kruise-rollout");
    const whoami = await createKubeClient({ kubeconfig: saKubeconfig }).request<Obj>({
      method: "POST",
      path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    expect(whoami.status.userInfo.username).toBe(sa);

    // As deployed: PKI in its Secret (an empty --webhook-cert-dir), leader election on, and a
    // serving certificate short-lived enough to be renewed (a Secret update) during the run.
    const controller = await fc.startController(
      ["--webhook-cert-dir=", "--leader-elect", "--webhook-cert-lifetime=45s"],
      saKubeconfig,
    );

    const servingCertInSecret = async () =>
      (
        await fc.raw.request<Obj>({
          method: "GET",
          path: "/api/v1/namespaces/kruise-rollout/secrets/kruise-rollout-webhook-certs",
        })
      ).data["cert.pem"] as string;
    const firstServingCert = await servingCertInSecret();

    const canaryNs = await createNamespace(fc.cluster, "rbac");
    const partitionNs = await createNamespace(fc.cluster, "rbac-partition");
    namespaces.push(canaryNs, partitionNs);
    const api = new Api(fc.raw, canaryNs);
    const partitionApi = new Api(fc.raw, partitionNs);
    await Promise.all([createEchoserver(api, 4), createEchoserver(partitionApi, 4)]);
    await api.create(oneFixture("rollout/nginx_ingress.yaml"));
    await api.create(
      rolloutV1beta1("rbac", {
        enableExtraWorkloadForCanary: true,
        steps: [
          { traffic: "20%", replicas: 1, pause: {} },
          { traffic: "50%", replicas: 2, pause: { duration: 1 } },
          { replicas: "100%" },
        ],
        trafficRoutings: [{ service: "echoserver", ingress: { classType: "nginx", name: "echoserver" } }],
      }),
    );
    // No extra workload: the partition style, where the controller creates and scales ReplicaSets.
    await partitionApi.create(
      rolloutV1beta1("rbac", { steps: [{ replicas: 1, pause: {} }, { replicas: "100%" }] }),
    );
    for (const ns of [canaryNs, partitionNs])
      await eventually(
        `Rollout in ${ns} Healthy`,
        async () => (await readRollout(fc.cluster, ns, "rbac")).status?.phase === "Healthy",
        120_000,
      );
    await Promise.all([setImage(api, "echoserver", v2Image), setImage(partitionApi, "echoserver", v2Image)]);
    for (const ns of [canaryNs, partitionNs]) {
      await eventually(
        `step 1 paused in ${ns}`,
        async () =>
          (await readRollout(fc.cluster, ns, "rbac")).status?.canaryStatus?.currentStepState === "StepPaused",
        240_000,
      );
    }
    expect(await api.get("networking.k8s.io/v1", "Ingress", "echoserver-canary")).toBeDefined();
    const partitionPods = await partitionApi.list("v1", "Pod", "app=echoserver");
    expect(partitionPods.filter((p) => p.spec.containers[0].image === v2Image)).toHaveLength(1);
    for (const ns of [canaryNs, partitionNs]) await approve(fc.cluster, ns, "rbac");
    for (const ns of [canaryNs, partitionNs])
      await eventually(
        `rollout in ${ns} succeeded`,
        async () => {
          const r = await readRollout(fc.cluster, ns, "rbac");
          return r.status?.phase === "Healthy" && r.status.canaryStatus?.finalisingStep === "END";
        },
        300_000,
      );
    await eventually("nothing left behind", async () => {
      const deployments = await api.list("apps/v1", "Deployment");
      const brs = [
        ...(await api.list("rollouts.kruise.io/v1beta1", "BatchRelease")),
        ...(await partitionApi.list("rollouts.kruise.io/v1beta1", "BatchRelease")),
      ];
      const partitioned = await partitionApi.mustGet("apps/v1", "Deployment", "echoserver");
      return (
        deployments.length === 1 &&
        brs.length === 0 &&
        !(await api.get("v1", "Service", "echoserver-canary")) &&
        !partitioned.spec.paused &&
        partitioned.status?.updatedReplicas === 4
      );
    });
    // The serving certificate was renewed at least once, through the Secret.
    await eventually(
      "a renewed serving certificate stored",
      async () => (await servingCertInSecret()) !== firstServingCert,
      120_000,
    );
    expect(controller.child.exitCode).toBeNull();

    // What the ServiceAccount did, from the audit log: permissions used, and any refusal.
    const clusterDir = join(fc.kubeconfig, "..");
    const events = readFileSync(auditLogPath(clusterDir), "utf8")
      .split("\n")
      .filter((l) => l.includes(sa))
      .map((l) => JSON.parse(l) as Obj)
      .filter((e) => e.user?.username === sa && e.objectRef && e.stage !== "RequestReceived")
      // the test's own "who am I" check above, which every authenticated user may make
      .filter((e) => e.objectRef.resource !== "selfsubjectreviews");
    const used = new Set<string>();
    const refused = new Set<string>();
    for (const e of events) {
      const ref = e.objectRef;
      const resource = `${ref.apiGroup || "core"}/${ref.resource}${ref.subresource ? `/${ref.subresource}` : ""}`;
      const key = `${resource} ${e.verb}`;
      if (e.responseStatus?.code === 403) refused.add(`${key}${ref.namespace ? ` in ${ref.namespace}` : ""}`);
      else used.add(key);
    }
    const granted = renderedGrants(installDocs());
    const unusedHere = Object.entries(needed)
      .filter(([k, n]) => !used.has(k) && !n.elsewhere)
      .map(([k]) => k);
    const elsewhere = Object.entries(needed).filter(([, n]) => n.elsewhere);
    lines.push(
      `least privilege: a canary with nginx and a partition-style release under ${sa} (TokenRequest token, ` +
        `PKI in its Secret, leader election, serving certificate renewed) succeeded; ${events.length} requests, ` +
        `${used.size} distinct permissions used, ${refused.size} refused`,
      `  used: ${[...used].sort().join(", ")}`,
      `  granted for paths these runs do not take: ${elsewhere.map(([k, n]) => `${k} (${n.elsewhere})`).join("; ")}`,
      ...(refused.size > 0 ? [`  REFUSED (missing): ${[...refused].sort().join(", ")}`] : []),
    );
    expect([...refused]).toEqual([]);
    for (const u of used) expect(granted.has(u), `used but not granted: ${u}`).toBe(true);
    expect(unusedHere, "granted for this path, yet not used by it").toEqual([]);
  });
});
