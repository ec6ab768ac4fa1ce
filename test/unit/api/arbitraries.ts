import fc from "fast-check";

// Random valid Rollouts and BatchReleases of either version, as the apiserver would serve them
// (optional fields absent or present, never `undefined`, no empty annotation maps).

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const int32 = fc.integer({ min: -5, max: 200 });
const intOrString = fc.oneof(
  fc.integer({ min: 1, max: 50 }),
  fc.integer({ min: 0, max: 120 }).map((n) => `${n}%`),
);
const strMap = fc.dictionary(name, fc.string({ maxLength: 8 }), { minKeys: 1, maxKeys: 3 });
const time = fc.constantFrom("2024-01-01T00:00:00Z", "2025-06-30T12:34:56Z");
const objectRef = fc.record({
  apiVersion: fc.constantFrom("apps/v1", "apps.kruise.io/v1alpha1"),
  kind: fc.constantFrom("Deployment", "CloneSet", "StatefulSet"),
  name,
});

const record = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T, required: (keyof T)[] = []) =>
  fc.record(shape, { requiredKeys: required as never });

const annotationKeys = fc.constantFrom(
  "rollouts.kruise.io/rolling-style",
  "rollouts.kruise.io/trafficrouting",
  "rollouts.kruise.io/rollback-in-batch",
  "example.com/note",
);
const annotationValues = fc.constantFrom("canary", "partition", "Partition", "bluegreen", "tr-1", "", "true");
const metadata = record(
  {
    name,
    namespace: name,
    generation: fc.integer({ min: 1, max: 9 }),
    labels: strMap,
    annotations: fc.dictionary(annotationKeys, annotationValues, { minKeys: 1, maxKeys: 3 }),
  },
  ["name"],
);

const headerMatch = record({ type: fc.constantFrom("Exact", "RegularExpression"), name, value: name }, [
  "name",
  "value",
]);
const headerFilter = record({
  set: fc.array(record({ name, value: name }, ["name", "value"]), { maxLength: 2 }),
  add: fc.array(record({ name, value: name }, ["name", "value"]), { maxLength: 2 }),
  remove: fc.array(name, { maxLength: 2 }),
});
const trafficRoutingRef = record(
  {
    service: name,
    gracePeriodSeconds: int32,
    ingress: record({ classType: fc.constantFrom("nginx", "alb"), name }, ["name"]),
    gateway: record({ httpRouteName: name }),
    customNetworkRefs: fc.array(objectRef, { maxLength: 2 }),
  },
  ["service"],
);
const conditions = fc.array(
  record(
    {
      type: name,
      status: fc.constantFrom("True", "False"),
      reason: name,
      message: fc.string({ maxLength: 10 }),
      lastUpdateTime: time,
      lastTransitionTime: time,
    },
    ["type", "status", "reason", "message"],
  ),
  { maxLength: 2 },
);
const common = {
  observedWorkloadGeneration: fc.integer({ min: 0, max: 9 }),
  observedRolloutID: name,
  rolloutHash: name,
  stableRevision: name,
  podTemplateHash: name,
  currentStepIndex: fc.integer({ min: 0, max: 5 }),
  nextStepIndex: fc.integer({ min: -1, max: 5 }),
  finalisingStep: fc.constantFrom("", "RestoreStableService", "END"),
  currentStepState: fc.constantFrom("StepUpgrade", "StepPaused", "StepReady", "Completed"),
  message: fc.string({ maxLength: 10 }),
  lastUpdateTime: time,
};
const commonRequired = ["podTemplateHash", "nextStepIndex", "finalisingStep", "currentStepState"] as const;
const canaryStatus = record(
  { ...common, canaryRevision: name, canaryReplicas: int32, canaryReadyReplicas: int32 },
  [...commonRequired, "canaryRevision", "canaryReplicas", "canaryReadyReplicas"],
);
const pause = record({ duration: fc.integer({ min: 0, max: 600 }) });
const traffic = fc.oneof(
  fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`),
  fc.constantFrom("5.5%", "abc"),
);

const betaStep = record({
  traffic,
  requestHeaderModifier: headerFilter,
  matches: fc.array(
    record({
      path: record({ type: fc.constantFrom("Exact", "PathPrefix"), value: fc.constantFrom("/", "/api") }),
      headers: fc.array(headerMatch, { maxLength: 2 }),
      queryParams: fc.array(headerMatch, { maxLength: 2 }),
    }),
    { maxLength: 2 },
  ),
  replicas: intOrString,
  pause,
});
const subStrategy = {
  steps: fc.array(betaStep, { maxLength: 4 }),
  trafficRoutings: fc.array(trafficRoutingRef, { maxLength: 2 }),
  failureThreshold: intOrString,
  trafficRoutingRef: name,
  disableGenerateCanaryService: fc.boolean(),
};

export const rolloutV1beta1 = record(
  {
    apiVersion: fc.constant("rollouts.kruise.io/v1beta1"),
    kind: fc.constant("Rollout"),
    metadata,
    spec: record(
      {
        workloadRef: objectRef,
        disabled: fc.boolean(),
        strategy: record({
          paused: fc.boolean(),
          canary: record({
            ...subStrategy,
            patchPodTemplateMetadata: record({ labels: strMap, annotations: strMap }),
            enableExtraWorkloadForCanary: fc.boolean(),
          }),
          blueGreen: record(subStrategy),
        }),
      },
      ["workloadRef", "strategy"],
    ),
    status: record(
      {
        observedGeneration: fc.integer({ min: 0, max: 9 }),
        canaryStatus,
        blueGreenStatus: record(
          { ...common, updatedRevision: name, updatedReplicas: int32, updatedReadyReplicas: int32 },
          [...commonRequired, "updatedRevision", "updatedReplicas", "updatedReadyReplicas"],
        ),
        conditions,
        phase: fc.constantFrom("Initial", "Healthy", "Progressing"),
        message: fc.string({ maxLength: 10 }),
        currentStepIndex: fc.integer({ min: 0, max: 5 }),
        currentStepState: fc.constantFrom("StepUpgrade", "StepPaused", "Completed"),
      },
      ["currentStepIndex", "currentStepState"],
    ),
  },
  ["apiVersion", "kind", "metadata"],
);

const alphaStep = record({
  weight: fc.integer({ min: 0, max: 100 }),
  requestHeaderModifier: headerFilter,
  matches: fc.array(record({ headers: fc.array(headerMatch, { maxLength: 2 }) }), { maxLength: 2 }),
  replicas: intOrString,
  pause,
});

export const rolloutV1alpha1 = record(
  {
    apiVersion: fc.constant("rollouts.kruise.io/v1alpha1"),
    kind: fc.constant("Rollout"),
    metadata,
    spec: record(
      {
        objectRef: record({ workloadRef: objectRef }),
        rolloutID: name,
        disabled: fc.boolean(),
        strategy: record({
          paused: fc.boolean(),
          canary: record({
            steps: fc.array(alphaStep, { maxLength: 4 }),
            trafficRoutings: fc.array(trafficRoutingRef, { maxLength: 2 }),
            failureThreshold: intOrString,
            patchPodTemplateMetadata: record({ labels: strMap, annotations: strMap }),
            disableGenerateCanaryService: fc.boolean(),
          }),
        }),
      },
      ["objectRef", "strategy"],
    ),
    status: record({
      observedGeneration: fc.integer({ min: 0, max: 9 }),
      canaryStatus: record(
        { ...common, canaryRevision: name, canaryReplicas: int32, canaryReadyReplicas: int32 },
        ["podTemplateHash", "currentStepState", "canaryRevision", "canaryReplicas", "canaryReadyReplicas"],
      ),
      conditions,
      phase: fc.constantFrom("Initial", "Healthy", "Progressing"),
      message: fc.string({ maxLength: 10 }),
    }),
  },
  ["apiVersion", "kind", "metadata"],
);

const releasePlan = record(
  {
    batches: fc.array(fc.record({ canaryReplicas: intOrString }), { maxLength: 3 }),
    batchPartition: fc.integer({ min: 0, max: 3 }),
    rolloutID: name,
    failureThreshold: intOrString,
    finalizingPolicy: fc.constantFrom("WaitResume", "Immediate"),
    patchPodTemplateMetadata: record({ labels: strMap }),
    rollingStyle: fc.constantFrom("Canary", "Partition", "BlueGreen"),
    enableExtraWorkloadForCanary: fc.boolean(),
  },
  ["enableExtraWorkloadForCanary"],
);
const batchStatus = {
  conditions,
  canaryStatus: record(
    {
      batchState: fc.constantFrom("Upgrading", "Ready"),
      currentBatch: fc.integer({ min: 0, max: 3 }),
      batchReadyTime: time,
      updatedReplicas: int32,
      updatedReadyReplicas: int32,
      noNeedUpdateReplicas: int32,
    },
    ["currentBatch"],
  ),
  stableRevision: name,
  updateRevision: name,
  observedGeneration: fc.integer({ min: 0, max: 9 }),
  observedRolloutID: name,
  observedWorkloadReplicas: fc.integer({ min: -1, max: 9 }),
  collisionCount: fc.integer({ min: 0, max: 3 }),
  observedReleasePlanHash: name,
  phase: fc.constantFrom("Preparing", "Progressing", "Completed"),
};

export const batchReleaseV1beta1 = record(
  {
    apiVersion: fc.constant("rollouts.kruise.io/v1beta1"),
    kind: fc.constant("BatchRelease"),
    metadata,
    spec: record({ workloadRef: objectRef, releasePlan }, ["releasePlan"]),
    status: record({ ...batchStatus, message: fc.string({ maxLength: 10 }) }),
  },
  ["apiVersion", "kind", "metadata"],
);

export const batchReleaseV1alpha1 = record(
  {
    apiVersion: fc.constant("rollouts.kruise.io/v1alpha1"),
    kind: fc.constant("BatchRelease"),
    metadata,
    spec: record({ targetReference: record({ workloadRef: objectRef }), releasePlan }, [
      "targetReference",
      "releasePlan",
    ]),
    status: record(batchStatus),
  },
  ["apiVersion", "kind", "metadata"],
);
