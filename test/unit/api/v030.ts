// What a client built on openkruise/rollouts v0.3.0 (`api/v1alpha1/rollout_types.go`, the version
// KubeVela's CLI pins) sends back after decoding a v1alpha1 Rollout into its Go types: only the
// fields those types have, encoded the way Go encodes them (`omitempty` drops zero values; the
// non-pointer `pause` struct and the fields without `omitempty` are always written).

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown): J | undefined => (isObj(v) ? v : undefined);
const arr = (v: unknown): unknown[] | undefined => (Array.isArray(v) && v.length > 0 ? v : undefined);

/** Builds an object from [key, value, keep] entries: keep=false means Go's omitempty dropped it. */
function go(entries: [string, unknown, boolean?][]): J {
  const out: J = {};
  for (const [k, v, always] of entries) {
    if (always) out[k] = v;
    else if (v !== undefined && v !== "" && v !== 0 && v !== false && v !== null) out[k] = v;
  }
  return out;
}
const str = (v: unknown) => (typeof v === "string" ? v : "");
const num = (v: unknown) => (typeof v === "number" ? v : 0);
/** Pointers (`*int32`, `*IntOrString`, `*string`) keep zero values; nil is omitted. */
const ptr = (v: unknown) => (v === undefined ? undefined : v);

function step(s: J): J {
  const pause = obj(s.pause);
  return {
    ...(ptr(s.weight) !== undefined && { weight: s.weight }),
    ...(ptr(s.replicas) !== undefined && { replicas: s.replicas }),
    pause: pause && pause.duration !== undefined ? { duration: pause.duration } : {},
    ...(arr(s.matches) && {
      matches: (s.matches as J[]).map((m) =>
        arr(m.headers)
          ? {
              headers: (m.headers as J[]).map((h) => ({
                ...(h.type !== undefined && { type: h.type }),
                name: str(h.name),
                value: str(h.value),
              })),
            }
          : {},
      ),
    }),
  };
}

function trafficRouting(r: J): J {
  const ingress = obj(r.ingress);
  const gateway = obj(r.gateway);
  return go([
    ["service", str(r.service), true],
    ["gracePeriodSeconds", num(r.gracePeriodSeconds)],
    [
      "ingress",
      ingress &&
        go([
          ["classType", str(ingress.classType)],
          ["name", str(ingress.name), true],
        ]),
    ],
    ["gateway", gateway && go([["httpRouteName", ptr(gateway.httpRouteName), true]])],
  ]);
}

function canaryStatus(c: J): J {
  return go([
    ["observedWorkloadGeneration", num(c.observedWorkloadGeneration)],
    ["observedRolloutID", str(c.observedRolloutID)],
    ["rolloutHash", str(c.rolloutHash)],
    ["stableRevision", str(c.stableRevision)],
    ["canaryRevision", str(c.canaryRevision), true],
    ["podTemplateHash", str(c.podTemplateHash), true],
    ["canaryReplicas", num(c.canaryReplicas), true],
    ["canaryReadyReplicas", num(c.canaryReadyReplicas), true],
    ["currentStepIndex", num(c.currentStepIndex), true],
    ["currentStepState", str(c.currentStepState), true],
    ["message", str(c.message)],
    ["lastUpdateTime", ptr(c.lastUpdateTime)],
  ]);
}

/** The v1alpha1 Rollout `rollout` as a v0.3.0 client writes it back. */
export function asV030(rollout: J): J {
  const spec = obj(rollout.spec) ?? {};
  const strategy = obj(spec.strategy) ?? {};
  const canary = obj(strategy.canary);
  const workloadRef = obj(obj(spec.objectRef)?.workloadRef);
  const status = obj(rollout.status);
  return {
    apiVersion: rollout.apiVersion,
    kind: rollout.kind,
    metadata: rollout.metadata,
    spec: go([
      [
        "objectRef",
        workloadRef
          ? {
              workloadRef: {
                apiVersion: workloadRef.apiVersion,
                kind: workloadRef.kind,
                name: workloadRef.name,
              },
            }
          : {},
        true,
      ],
      [
        "strategy",
        go([
          ["paused", strategy.paused],
          [
            "canary",
            canary &&
              go([
                ["steps", arr(canary.steps) && (canary.steps as J[]).map(step)],
                [
                  "trafficRoutings",
                  arr(canary.trafficRoutings) && (canary.trafficRoutings as J[]).map(trafficRouting),
                ],
                ["failureThreshold", ptr(canary.failureThreshold)],
              ]),
          ],
        ]),
        true,
      ],
      ["rolloutID", str(spec.rolloutID)],
    ]),
    ...(status && {
      status: go([
        ["observedGeneration", num(status.observedGeneration)],
        ["canaryStatus", obj(status.canaryStatus) && canaryStatus(status.canaryStatus as J)],
        [
          "conditions",
          arr(status.conditions) &&
            (status.conditions as J[]).map((c) => ({
              type: c.type,
              status: c.status,
              lastUpdateTime: c.lastUpdateTime ?? null,
              lastTransitionTime: c.lastTransitionTime ?? null,
              reason: str(c.reason),
              message: str(c.message),
            })),
        ],
        ["phase", str(status.phase)],
        ["message", str(status.message)],
      ]),
    }),
  };
}
