// The messages of upstream's Rollout validating webhook, verbatim: users and tests match on them.

export const Messages = {
  strategyEmpty: "Canary and BlueGreen cannot both be empty",
  strategyBoth: "Canary and BlueGreen cannot both be set",
  stepsEmpty: "The number of Canary.Steps cannot be empty",
  replicasEmpty: "replicas cannot be empty",
  replicasRange: 'replicas must be positive number, or a percentage with "0%" < canaryReplicas <= "100%"',
  canaryTraffic: 'traffic must be percentage with "0%" < traffic <= "100%" in canary strategy',
  blueGreenTraffic: 'traffic must be percentage with "0%" <= traffic <= "100%" in blueGreen strategy',
  partitionLimit:
    "For partition style rollout: step[x].replicas must not greater than partition-percent-limit if traffic specified",
  nonDecreasing: "Steps.CanaryReplicas must be a non decreasing sequence",
  // Upstream allows one routing; we drive several together (an Ingress and a mesh, say).
  tooManyTrafficRoutings: "Rollout supports at most 8 TrafficRoutings.",
  graceNegative: "TrafficRouting.GracePeriodSeconds cannot be negative",
  serviceEmpty: "TrafficRouting.Service cannot be empty",
  routingNotSet: "TrafficRoutings are not set",
  ingressNameEmpty: "TrafficRouting.Ingress.Ingress cannot be empty",
  gatewayRouteEmpty: "TrafficRouting.Gateway must set the name of HTTPRoute or HTTPsRoute",
  kindUnsupported: "WorkloadRef kind is not supported",
  kindUnsupportedBlueGreen: "WorkloadRef kind is not supported for bluegreen style",
  objectRefImmutable: "Rollout 'ObjectRef' field is immutable",
  trafficRoutingsImmutable: "Rollout 'Strategy.Canary|BlueGreen.TrafficRoutings' field is immutable",
  styleImmutable: "Rollout style and enableExtraWorkloadForCanary are immutable",
  stepCountImmutable: "Amount of Rollout steps are immutable",
  // v1alpha1 only
  canaryEmpty: "Canary cannot be empty",
  weightAndReplicasEmpty: "weight and replicas cannot be empty at the same time",
  rollingStyleInvalid: "Rolling style must be 'Canary', 'Partition' or empty",
  weightRange:
    "weight must be positive number, and less than or equal to replicasLimitWithTraffic (defaults to 30)",
  weightPartitionLimit:
    "For patition style rollout: step[x].weight must not greater than replicasLimitWithTraffic if replicas is not specified",
  replicasPartitionLimitV1alpha1:
    "For patition style rollout: step[x].replicas must not greater than replicasLimitWithTraffic if traffic or matches specified",
  weightNonDecreasing: "Steps.Weight must be a non decreasing sequence",
  trafficRoutingsImmutableV1alpha1: "Rollout 'Strategy.Canary.TrafficRoutings' field is immutable",
  rollingStyleImmutable: "Rollout 'Rolling-Style' annotation is immutable",
} as const;

export const conflictMessage = (other: string) =>
  `This rollout conflict with Rollout(${other}), one workload only have less than one Rollout`;

export const workloadRefRequired = "WorkloadRef is required";
