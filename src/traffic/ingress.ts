// Ingress provider (nginx and the other classes; upstream network/ingress/ingress.go, v0.6.2).
//
// The stable Ingress is never touched. A second Ingress `<name>-canary` carries the canary
// rules: the stable rules' paths that point at the stable Service, re-pointed at the canary
// Service, plus the class's canary annotations. Those annotations are whatever the class's Lua
// script returns (see ingress-scripts.ts and script-source.ts for user overrides), so weights
// and header/cookie matches are entirely the script's business.
//
// EnsureRoutes is two-phase like upstream: the first call only creates the canary Ingress with
// the script run at weight 0 (so it receives nothing yet), the next calls merge-patch the
// annotations. A weight of 0 never creates it. Finalise deletes it.

import { type TrafficChange, targetOf, writeAction } from "./actions.js";
import { fail, ok, type Result } from "./errors.js";
import type { LuaVm } from "./lua-vm.js";
import type {
  HTTPHeaderFilter,
  HttpRouteMatch,
  Ingress,
  IngressRule,
  OwnerReference,
  TrafficRoutingStrategy,
} from "./model.js";
import type { ResolvedScript } from "./script-source.js";
import { canaryWeight } from "./steps.js";

const ingressType = { apiVersion: "networking.k8s.io/v1", kind: "Ingress" };

export interface IngressContext {
  namespace: string;
  /** The stable Ingress (trafficRoutings[].ingress.name). */
  ingressName: string;
  stableService: string;
  canaryService: string;
  ownerRef: OwnerReference;
  script: ResolvedScript;
  vm: LuaVm;
}

export function canaryIngressName(ingressName: string): string {
  return `${ingressName}-canary`;
}

/** The canary Ingress before its annotations go through the script. */
export function buildCanaryIngress(stable: Ingress, ctx: IngressContext): Ingress {
  const rules: IngressRule[] = [];
  for (const rule of stable.spec?.rules ?? []) {
    const paths = (rule.http?.paths ?? [])
      .filter((path) => path.backend.service?.name === ctx.stableService)
      .map((path) => {
        const backend = structuredClone(path.backend);
        if (backend.service) backend.service.name = ctx.canaryService;
        return {
          ...(path.path !== undefined ? { path: path.path } : {}),
          ...(path.pathType !== undefined ? { pathType: path.pathType } : {}),
          backend,
        };
      });
    // rules without a stable-Service path are left to the stable Ingress alone
    if (paths.length > 0) rules.push({ ...(rule.host ? { host: rule.host } : {}), http: { paths } });
  }
  const meta = stable.metadata ?? {};
  const spec: NonNullable<Ingress["spec"]> = { rules };
  if (stable.spec?.ingressClassName !== undefined) spec.ingressClassName = stable.spec.ingressClassName;
  if (stable.spec?.tls !== undefined) spec.tls = structuredClone(stable.spec.tls);
  return {
    ...ingressType,
    metadata: {
      name: canaryIngressName(ctx.ingressName),
      namespace: meta.namespace ?? ctx.namespace,
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ownerReferences: [ctx.ownerRef],
    },
    spec,
  };
}

/** Runs the class script: the full annotation map the canary Ingress should have. */
export function canaryAnnotations(
  ctx: IngressContext,
  annotations: Readonly<Record<string, string>> | undefined,
  weight: number | undefined,
  matches: HttpRouteMatch[] | undefined,
  requestHeaderModifier: HTTPHeaderFilter | undefined,
): Result<Record<string, string>> {
  const input = {
    ...(annotations ? { annotations } : {}),
    // scripts have no "absent" number: -1 stands for "this step sets no weight"
    weight: String(weight ?? -1),
    ...(matches ? { matches } : {}),
    canaryService: ctx.canaryService,
    ...(requestHeaderModifier ? { requestHeaderModifier } : {}),
  };
  const run = ctx.vm.run(ctx.script.key, ctx.script.script, input);
  if (!run.ok) return run;
  const value = run.value ?? {};
  if (typeof value !== "object" || Array.isArray(value)) {
    return fail(
      "lua-result",
      `lua script "${ctx.script.key}" must return a table of annotations`,
      ctx.script.key,
    );
  }
  for (const [key, annotation] of Object.entries(value)) {
    if (typeof annotation !== "string") {
      return fail(
        "lua-result",
        `lua script "${ctx.script.key}" returned a non-string value for annotation ${key}`,
        ctx.script.key,
      );
    }
  }
  return ok(value as Record<string, string>);
}

export function ensureIngressRoutes(
  observed: { stable: Ingress | undefined; canary: Ingress | undefined },
  strategy: TrafficRoutingStrategy,
  ctx: IngressContext,
): Result<TrafficChange> {
  const weight = canaryWeight(strategy);
  const { canary } = observed;
  if (canary === undefined) {
    if (weight === 0) return ok({ done: true, actions: [] });
    if (observed.stable === undefined) {
      return fail("invalid-object", `Ingress ${ctx.namespace}/${ctx.ingressName} not found`);
    }
    const built = buildCanaryIngress(observed.stable, ctx);
    const annotations = canaryAnnotations(ctx, built.metadata?.annotations, 0, undefined, undefined);
    if (!annotations.ok) return annotations;
    const object = { ...built, metadata: { ...built.metadata, annotations: annotations.value } };
    return ok({ done: false, actions: [writeAction("create", object)] });
  }
  const current = canary.metadata?.annotations ?? {};
  const desired = canaryAnnotations(
    ctx,
    canary.metadata?.annotations,
    weight,
    strategy.matches,
    strategy.requestHeaderModifier,
  );
  if (!desired.ok) return desired;
  const patch = annotationsMergePatch(current, desired.value);
  if (patch === undefined) return ok({ done: true, actions: [] });
  return ok({
    done: false,
    actions: [
      {
        kind: "patch",
        target: targetOf(canary, ingressType),
        patchType: "merge",
        patch: { metadata: { annotations: patch } },
      },
    ],
  });
}

/** JSON merge patch turning `current` into `desired`; undefined when they are equal. */
export function annotationsMergePatch(
  current: Readonly<Record<string, string>>,
  desired: Readonly<Record<string, string>>,
): Record<string, string | null> | undefined {
  const patch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(desired)) if (current[key] !== value) patch[key] = value;
  for (const key of Object.keys(current)) if (!(key in desired)) patch[key] = null;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** Finalise: delete the canary Ingress; nothing to do when it is gone or already going. */
export function finaliseIngress(canary: Ingress | undefined): TrafficChange {
  if (canary === undefined || canary.metadata?.deletionTimestamp) return { done: true, actions: [] };
  return { done: false, actions: [{ kind: "delete", target: targetOf(canary, ingressType) }] };
}
