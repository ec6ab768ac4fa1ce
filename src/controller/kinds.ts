import type { ResourceRef } from "../kube/resource.js";

// REST coordinates of every kind the controller reads or writes. A static table
// rather than discovery: one round trip per request, and it works before CRDs settle.
const table: Record<string, ResourceRef> = {
  "v1/Pod": { group: "", version: "v1", plural: "pods" },
  "v1/Service": { group: "", version: "v1", plural: "services" },
  "v1/ConfigMap": { group: "", version: "v1", plural: "configmaps" },
  "v1/Event": { group: "", version: "v1", plural: "events" },
  "apps/v1/Deployment": { group: "apps", version: "v1", plural: "deployments" },
  "apps/v1/ReplicaSet": { group: "apps", version: "v1", plural: "replicasets" },
  "apps/v1/StatefulSet": { group: "apps", version: "v1", plural: "statefulsets" },
  "apps/v1/DaemonSet": { group: "apps", version: "v1", plural: "daemonsets" },
  "apps/v1/ControllerRevision": { group: "apps", version: "v1", plural: "controllerrevisions" },
  "autoscaling/v2/HorizontalPodAutoscaler": {
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
  },
  "autoscaling/v1/HorizontalPodAutoscaler": {
    group: "autoscaling",
    version: "v1",
    plural: "horizontalpodautoscalers",
  },
  "apps.kruise.io/v1alpha1/CloneSet": { group: "apps.kruise.io", version: "v1alpha1", plural: "clonesets" },
  "apps.kruise.io/v1alpha1/DaemonSet": { group: "apps.kruise.io", version: "v1alpha1", plural: "daemonsets" },
  "apps.kruise.io/v1beta1/StatefulSet": {
    group: "apps.kruise.io",
    version: "v1beta1",
    plural: "statefulsets",
  },
  "apps.kruise.io/v1alpha1/StatefulSet": {
    group: "apps.kruise.io",
    version: "v1alpha1",
    plural: "statefulsets",
  },
  "networking.k8s.io/v1/Ingress": { group: "networking.k8s.io", version: "v1", plural: "ingresses" },
  "gateway.networking.k8s.io/v1/HTTPRoute": {
    group: "gateway.networking.k8s.io",
    version: "v1",
    plural: "httproutes",
  },
  "gateway.networking.k8s.io/v1beta1/HTTPRoute": {
    group: "gateway.networking.k8s.io",
    version: "v1beta1",
    plural: "httproutes",
  },
  "gateway.networking.k8s.io/v1alpha2/HTTPRoute": {
    group: "gateway.networking.k8s.io",
    version: "v1alpha2",
    plural: "httproutes",
  },
  "networking.istio.io/v1alpha3/VirtualService": {
    group: "networking.istio.io",
    version: "v1alpha3",
    plural: "virtualservices",
  },
  "networking.istio.io/v1beta1/VirtualService": {
    group: "networking.istio.io",
    version: "v1beta1",
    plural: "virtualservices",
  },
  "networking.istio.io/v1alpha3/DestinationRule": {
    group: "networking.istio.io",
    version: "v1alpha3",
    plural: "destinationrules",
  },
  "networking.istio.io/v1beta1/DestinationRule": {
    group: "networking.istio.io",
    version: "v1beta1",
    plural: "destinationrules",
  },
  "rollouts.kruise.io/v1beta1/Rollout": {
    group: "rollouts.kruise.io",
    version: "v1beta1",
    plural: "rollouts",
  },
  "rollouts.kruise.io/v1alpha1/Rollout": {
    group: "rollouts.kruise.io",
    version: "v1alpha1",
    plural: "rollouts",
  },
  "rollouts.kruise.io/v1beta1/BatchRelease": {
    group: "rollouts.kruise.io",
    version: "v1beta1",
    plural: "batchreleases",
  },
  "rollouts.kruise.io/v1alpha1/AnalysisTemplate": {
    group: "rollouts.kruise.io",
    version: "v1alpha1",
    plural: "analysistemplates",
  },
  "rollouts.kruise.io/v1alpha1/ClusterAnalysisTemplate": {
    group: "rollouts.kruise.io",
    version: "v1alpha1",
    plural: "clusteranalysistemplates",
  },
  "rollouts.kruise.io/v1alpha1/TrafficRouting": {
    group: "rollouts.kruise.io",
    version: "v1alpha1",
    plural: "trafficroutings",
  },
};

export class UnknownKindError extends Error {}

export function resourceOf(apiVersion: string, kind: string): ResourceRef {
  const ref = table[`${apiVersion}/${kind}`];
  if (!ref) throw new UnknownKindError(`unsupported kind ${kind} of ${apiVersion}`);
  return ref;
}
