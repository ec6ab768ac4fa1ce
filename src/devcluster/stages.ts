// KWOK Stages: how fake nodes and pods move through their lifecycle. KWOK v0.8 ships
// none built in, so we write our own, tuned for tests: nodes become Ready at once
// and keep a Lease; pods become Running and Ready as soon as they are scheduled and
// leave at once when deleted. Two more play the kubelet's part in an OpenKruise in-place
// update: a container whose image changed in the spec reports the new image (and image
// ID) at once, and a pod's Ready condition follows its readiness gates, as the kubelet
// computes it (kruise closes its InPlaceUpdateReady gate before it changes an image and
// opens it once the container statuses show the new one).
import { stringify } from "yaml";

const nodeStatus = `
{{ $now := Now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
addresses:
{{ with NodeIP }}
- address: {{ . | Quote }}
  type: InternalIP
{{ end }}
{{ with NodeName }}
- address: {{ . | Quote }}
  type: Hostname
{{ end }}
phase: Running
`;

const podReadyStatus = `
{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Ready
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: ContainersReady
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: PodScheduled
{{ range .spec.readinessGates }}
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: {{ .conditionType | Quote }}
{{ end }}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  imageID: {{ printf "kwok://%s" .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
phase: Running
startTime: {{ $now | Quote }}
`;

/** Every container again, with the image its spec names now (an in-place update). */
const containerImagesStatus = `
{{ $now := Now }}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  imageID: {{ printf "kwok://%s" .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
`;

const readyCondition = (status: "True" | "False") => `
conditions:
- lastTransitionTime: {{ Now | Quote }}
  status: "${status}"
  type: Ready
  reason: ${status === "False" ? "ReadinessGatesNotReady" : '""'}
`;

// jq over the pod: whether the images in the spec and in the container statuses differ, and
// whether every readiness gate's condition is True.
const imagesDiffer =
  '([.spec.containers[] | .name + "=" + .image] | sort) != ([.status.containerStatuses[]? | .name + "=" + .image] | sort)';
const gatesOpen =
  '[(.spec.readinessGates // [])[].conditionType] as $gates | [.status.conditions[]? | select(.status == "True") | .type] as $true | all($gates[]; . as $g | any($true[]; . == $g))';
const readyStatus = '.status.conditions[]? | select(.type == "Ready") | .status';

const running = [
  { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
  { key: ".status.podIP", operator: "Exists" },
];

function stage(name: string, kind: "Node" | "Pod", spec: Record<string, unknown>) {
  return {
    apiVersion: "kwok.x-k8s.io/v1alpha1",
    kind: "Stage",
    metadata: { name },
    spec: { resourceRef: { apiGroup: "v1", kind }, ...spec },
  };
}

export function kwokStages(): Record<string, unknown>[] {
  return [
    stage("node-initialize", "Node", {
      selector: {
        matchExpressions: [
          {
            key: '.status.conditions.[] | select( .type == "Ready" ) | .status',
            operator: "NotIn",
            values: ["True"],
          },
        ],
      },
      next: { statusTemplate: nodeStatus },
    }),
    stage("pod-ready", "Pod", {
      selector: {
        matchExpressions: [
          { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
          { key: ".spec.nodeName", operator: "Exists" },
          { key: ".status.podIP", operator: "DoesNotExist" },
        ],
      },
      next: { statusTemplate: podReadyStatus },
    }),
    stage("pod-container-image", "Pod", {
      selector: { matchExpressions: [...running, { key: imagesDiffer, operator: "In", values: ["true"] }] },
      next: { statusTemplate: containerImagesStatus },
    }),
    stage("pod-gates-closed", "Pod", {
      selector: {
        matchExpressions: [
          ...running,
          { key: gatesOpen, operator: "In", values: ["false"] },
          { key: readyStatus, operator: "In", values: ["True"] },
        ],
      },
      next: { statusTemplate: readyCondition("False") },
    }),
    stage("pod-gates-open", "Pod", {
      selector: {
        matchExpressions: [
          ...running,
          { key: gatesOpen, operator: "In", values: ["true"] },
          { key: readyStatus, operator: "In", values: ["False"] },
        ],
      },
      next: { statusTemplate: readyCondition("True") },
    }),
    stage("pod-delete", "Pod", {
      selector: { matchExpressions: [{ key: ".metadata.deletionTimestamp", operator: "Exists" }] },
      next: { finalizers: { empty: true }, delete: true },
    }),
  ];
}

export function renderKwokConfig(): string {
  return kwokStages()
    .map((s) => stringify(s))
    .join("---\n");
}
