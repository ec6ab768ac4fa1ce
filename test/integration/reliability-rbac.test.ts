import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { auditLogPath } from "../../src/devcluster/components.js";
import { binaries } from "../../src/devcluster/paths.js";
import { createKubeClient } from "../../src/kube/client.js";
import { createNamespace, deleteNamespace, eventually, repoRoot } from "./support/cluster.js";
import { type FaultCluster, faultCluster } from "./support/faults.js";
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
// completes a full canary with nginx traffic routing. The apiserver's audit log tells which of the
// granted permissions it used and whether any request was refused (a missing permission).
// Impersonating the ServiceAccount (kubectl --as) shows what it must not be able to do.

const run = promisify(execFile);
const sa = "system:serviceaccount:kruise-rollout:kruise-rollout";

let fc: FaultCluster;
let ns = "";
const lines: string[] = [];

beforeAll(async () => {
  fc = await faultCluster("rbac", 3, { audit: true });
}, 600_000);

afterAll(async () => {
  for (const line of lines) console.log(`[reliability] ${line}`);
  if (ns) await deleteNamespace(fc.cluster, ns).catch(() => undefined);
  await fc?.stop();
}, 300_000);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

function installDocs(): Obj[] {
  return parseAllDocuments(readFileSync(join(repoRoot, "addon", "install.yaml"), "utf8"))
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => !!d?.kind);
}

/** Every (group/resource, verb) a rule list grants, e.g. "apps/deployments get". */
function grants(rules: Rule[], scope: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rules)
    for (const g of r.apiGroups)
      for (const res of r.resources)
        for (const v of r.verbs)
          out.set(`${g || "core"}/${res} ${v}`, `${scope}${r.resourceNames ? " (named)" : ""}`);
  return out;
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

describe("least privilege", () => {
  it("a full rollout succeeds under the addon's ServiceAccount and roles", {
    timeout: 1_200_000,
  }, async () => {
    const docs = installDocs();
    const rbacKinds = ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];
    const rbac = docs.filter((d) => rbacKinds.includes(d.kind));
    // Two ClusterRoles: the controller's, and the unbound opt-in for analysis Secrets.
    expect(rbac.map((d) => d.kind).sort()).toEqual([...rbacKinds, "ClusterRole"].sort());
    const paths: Record<string, string> = {
      ServiceAccount: "/api/v1/namespaces/kruise-rollout/serviceaccounts",
      ClusterRole: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
      ClusterRoleBinding: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
      Role: "/apis/rbac.authorization.k8s.io/v1/namespaces/kruise-rollout/roles",
      RoleBinding: "/apis/rbac.authorization.k8s.io/v1/namespaces/kruise-rollout/rolebindings",
    };
    for (const d of rbac) await fc.raw.request({ method: "POST", path: paths[d.kind] as string, body: d });

    // The webhook configurations exist before the controller runs, as the addon installs them:
    // a first controller (admin) creates them; the ServiceAccount's may only patch them by name.
    const bootstrap = await fc.startController();
    await bootstrap.stop();

    const token = await fc.raw.request<{ status: { token: string } }>({
      method: "POST",
      path: "/api/v1/namespaces/kruise-rollout/serviceaccounts/kruise-rollout/token",
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
    });
    const adminConfig = parseAllDocuments(readFileSync(fc.kubeconfig, "utf8"))[0]?.toJS() as Obj;
    const saConfig = {
      apiVersion: "v1",
      kind: "Config",
      clusters: adminConfig.clusters,
      users: [{ name: "kruise-rollout", user: { token: token.status.token } }],
      contexts: [{ name: "sa", context: { cluster: adminConfig.clusters[0].name, user: "kruise-rollout" } }],
      "current-context": "sa",
    };
    const saKubeconfig = join(mkdtempSync(join(tmpdir(), "krt-sa-")), "kubeconfig.yaml");
    writeFileSync(saKubeconfig, stringify(saConfig), { mode: 0o600 });
    const whoami = await createKubeClient({ kubeconfig: saKubeconfig }).request<Obj>({
      method: "POST",
      path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    expect(whoami.status.userInfo.username).toBe(sa);

    const controller = await fc.startController([], saKubeconfig);

    ns = await createNamespace(fc.cluster, "rbac");
    const api = new Api(fc.raw, ns);
    await createEchoserver(api, 4);
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
    await eventually(
      "Rollout Healthy",
      async () => (await readRollout(fc.cluster, ns, "rbac")).status?.phase === "Healthy",
      120_000,
    );
    await setImage(api, "echoserver", v2Image);
    await eventually(
      "step 1 paused",
      async () =>
        (await readRollout(fc.cluster, ns, "rbac")).status?.canaryStatus?.currentStepState === "StepPaused",
      180_000,
    );
    expect(await api.get("networking.k8s.io/v1", "Ingress", "echoserver-canary")).toBeDefined();
    await approve(fc.cluster, ns, "rbac");
    await eventually(
      "rollout succeeded",
      async () => {
        const r = await readRollout(fc.cluster, ns, "rbac");
        return r.status?.phase === "Healthy" && r.status.canaryStatus?.finalisingStep === "END";
      },
      300_000,
    );
    await eventually("nothing left behind", async () => {
      const deployments = await api.list("apps/v1", "Deployment");
      const brs = await api.list("rollouts.kruise.io/v1beta1", "BatchRelease");
      return (
        deployments.length === 1 && brs.length === 0 && !(await api.get("v1", "Service", "echoserver-canary"))
      );
    });
    expect(controller.child.exitCode).toBeNull();

    // What the ServiceAccount did, from the audit log: permissions used, and any refusal.
    const clusterDir = join(fc.kubeconfig, "..");
    const events = readFileSync(auditLogPath(clusterDir), "utf8")
      .split("\n")
      .filter((l) => l.includes(sa))
      .map((l) => JSON.parse(l) as Obj)
      .filter((e) => e.user?.username === sa && e.objectRef)
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
    const clusterRole = rbac.find((d) => d.kind === "ClusterRole") as Obj;
    const role = rbac.find((d) => d.kind === "Role") as Obj;
    const granted = new Map([...grants(role.rules, "Role"), ...grants(clusterRole.rules, "ClusterRole")]);
    const unused = [...granted.keys()].filter((g) => !used.has(g)).sort();
    lines.push(
      `least privilege: a full nginx canary under ${sa} (TokenRequest token) succeeded; ` +
        `${events.length} requests, ${used.size} distinct permissions used, ${refused.size} refused`,
      `  used: ${[...used].sort().join(", ")}`,
      `  granted, not used by this rollout: ${unused.join(", ")}`,
      ...(refused.size > 0 ? [`  REFUSED (missing): ${[...refused].sort().join(", ")}`] : []),
    );
    expect([...refused]).toEqual([]);
    for (const u of used) expect(granted.has(u), `used but not granted: ${u}`).toBe(true);
  });

  it("impersonating the ServiceAccount, nothing beyond the grants works", { timeout: 300_000 }, async () => {
    // [verb, resource, namespace or "" for cluster scope, allowed?, why]
    const probes: [string, string, string, boolean, string][] = [
      ["list", "secrets", "default", false, "no listing Secrets outside its namespace"],
      ["watch", "secrets", "kube-system", false, "no watching Secrets outside its namespace"],
      ["create", "secrets", "default", false, "no writing Secrets outside its namespace"],
      ["update", "secrets", "default", false, "no writing Secrets outside its namespace"],
      ["delete", "secrets", "kruise-rollout", false, "never deletes its own certificates"],
      ["get", "secrets", "kruise-rollout", true, "its webhook certificates"],
      ["get", "secrets", "default", false, "no reading Secrets elsewhere unless a namespace opts in"],
      ["create", "pods", "default", false, "never creates pods"],
      ["delete", "pods", "default", false, "never deletes pods"],
      ["update", "pods", "default", false, "only patches batch labels"],
      ["create", "pods/exec", "default", false, "no exec"],
      ["create", "statefulsets.apps", "default", false, "never creates StatefulSets"],
      ["delete", "statefulsets.apps", "default", false, "never deletes StatefulSets"],
      ["delete", "replicasets.apps", "default", false, "never deletes ReplicaSets"],
      ["list", "nodes", "", false, "no nodes"],
      ["create", "namespaces", "", false, "no namespaces"],
      ["delete", "namespaces", "", false, "no namespaces"],
      ["update", "configmaps", "kruise-rollout", false, "reads Lua overrides only"],
      ["create", "leases.coordination.k8s.io", "default", false, "leases only in its namespace"],
      ["create", "leases.coordination.k8s.io", "kruise-rollout", true, "leader election"],
      ["create", "clusterrolebindings.rbac.authorization.k8s.io", "", false, "no escalation"],
      ["bind", "clusterroles.rbac.authorization.k8s.io", "", false, "no escalation"],
      ["impersonate", "users", "", false, "no impersonation"],
      ["create", "serviceaccounts/token", "kruise-rollout", false, "no tokens"],
      ["create", "customresourcedefinitions.apiextensions.k8s.io", "", false, "CRDs come from the addon"],
      [
        "delete",
        "mutatingwebhookconfigurations.admissionregistration.k8s.io",
        "",
        false,
        "patches its own only",
      ],
      ["patch", "deployments.apps", "default", true, "the workload hold and the canary Deployment"],
      ["patch", "rollouts.rollouts.kruise.io/status", "default", true, "status writes"],
    ];
    const named: [string, string, string, boolean, string][] = [
      [
        "patch",
        "mutatingwebhookconfigurations/kruise-rollout-mutating-webhook-configuration",
        "",
        true,
        "its CA bundle",
      ],
      ["patch", "mutatingwebhookconfigurations/someone-elses", "", false, "not another webhook"],
      [
        "patch",
        "customresourcedefinitions/rollouts.rollouts.kruise.io",
        "",
        true,
        "the conversion CA bundle",
      ],
      [
        "patch",
        "customresourcedefinitions/httproutes.gateway.networking.k8s.io",
        "",
        false,
        "not another CRD",
      ],
    ];
    const failures: string[] = [];
    let tried = 0;
    for (const [verb, resource, namespace, allowed, why] of [...probes, ...named]) {
      tried++;
      const args = ["auth", "can-i", verb, resource, `--as=${sa}`, ...(namespace ? [`-n=${namespace}`] : [])];
      const { out } = await kubectl(args);
      const yes = out.trim().startsWith("yes");
      if (yes !== allowed)
        failures.push(`${verb} ${resource}${namespace ? ` -n ${namespace}` : ""}: ${out.trim()} (${why})`);
    }
    // A real read, impersonated: the apiserver's own refusal.
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
    // RBAC changes take effect at once for the authorizer, but allow for its cache.
    let optedIn = { code: 1, out: "" };
    for (let i = 0; i < 20 && optedIn.code !== 0; i++) {
      optedIn = await kubectl(["get", "secret", "not-yours", "-n", "default", `--as=${sa}`]);
      if (optedIn.code !== 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(optedIn.code).toBe(0);
    lines.push(
      `least privilege, impersonated: ${tried - failures.length}/${tried} probes as expected` +
        (failures.length ? `; unexpected: ${failures.join("; ")}` : "") +
        "; a Secret in another namespace is readable only after that namespace opts in",
    );
    expect(failures).toEqual([]);
  });
});
