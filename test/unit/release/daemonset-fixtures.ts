// Builders for DaemonSet tests: a 4-node DaemonSet, its ControllerRevisions and pods.

import { controlInfo } from "../../../src/release/control/control-info.js";
import type { BatchRelease, Pod } from "../../../src/release/model.js";
import type { ControllerRevision, DaemonSet } from "../../../src/release/workloads/daemonset.js";
import { release, template } from "./fixtures.js";

export const nativeRef = { apiVersion: "apps/v1", kind: "DaemonSet", name: "demo" };
export const advancedRef = { apiVersion: "apps.kruise.io/v1alpha1", kind: "DaemonSet", name: "demo" };

export function dsRelease(ref: typeof nativeRef, plan: Parameters<typeof release>[0] = {}): BatchRelease {
  const br = release(plan);
  return { ...br, spec: { ...br.spec, workloadRef: ref } };
}

export interface DaemonSetOpts {
  native?: boolean;
  annotations?: Record<string, string>;
  inProgressing?: boolean;
  controlled?: BatchRelease;
  partition?: number | null;
  paused?: boolean;
  type?: string;
  maxUnavailable?: number | string;
  desired?: number;
  updated?: number;
}

export function daemonSet(opts: DaemonSetOpts = {}): DaemonSet {
  const native = opts.native ?? true;
  return {
    apiVersion: native ? "apps/v1" : "apps.kruise.io/v1alpha1",
    kind: "DaemonSet",
    metadata: {
      name: "demo",
      namespace: "ns",
      uid: "ds-uid",
      generation: 2,
      annotations: {
        ...((opts.inProgressing ?? true)
          ? { "rollouts.kruise.io/in-progressing": '{"rolloutName":"demo"}' }
          : {}),
        ...(opts.controlled
          ? { "batchrelease.rollouts.kruise.io/control-info": controlInfo(opts.controlled) }
          : {}),
        ...opts.annotations,
      },
    },
    spec: {
      selector: { matchLabels: { app: "demo" } },
      template: template("v2"),
      updateStrategy: {
        type: opts.type ?? (native ? "OnDelete" : "RollingUpdate"),
        rollingUpdate: {
          maxUnavailable: opts.maxUnavailable ?? 1,
          ...(opts.partition === undefined ? {} : { partition: opts.partition }),
          ...(opts.paused === undefined ? {} : { paused: opts.paused }),
        },
      },
    },
    status: {
      observedGeneration: 2,
      desiredNumberScheduled: opts.desired ?? 4,
      currentNumberScheduled: opts.desired ?? 4,
      numberReady: opts.desired ?? 4,
      numberAvailable: opts.desired ?? 4,
      updatedNumberScheduled: opts.updated ?? 0,
      ...(native ? {} : { daemonSetHash: "h2" }),
    },
  };
}

export function revision(hash: string, number: number, ownerUid = "ds-uid"): ControllerRevision {
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: `demo-${hash}`,
      namespace: "ns",
      labels: { "controller-revision-hash": hash },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "DaemonSet", name: "demo", uid: ownerUid, controller: true },
      ],
    },
    revision: number,
  };
}

export const revisions = [revision("h1", 1), revision("h2", 2), revision("x9", 7, "other-uid")];

export function dsPod(
  name: string,
  hash: string,
  opts: {
    ready?: boolean;
    phase?: string;
    labels?: Record<string, string>;
    created?: string;
    cost?: string;
    terminating?: boolean;
  } = {},
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      creationTimestamp: opts.created ?? "2026-01-01T00:00:00Z",
      labels: { app: "demo", "controller-revision-hash": hash, ...opts.labels },
      ...(opts.cost === undefined
        ? {}
        : { annotations: { "controller.kubernetes.io/pod-deletion-cost": opts.cost } }),
      ...(opts.terminating ? { deletionTimestamp: "2026-01-01T00:01:00Z" } : {}),
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "DaemonSet", name: "demo", uid: "ds-uid", controller: true },
      ],
    },
    status: {
      phase: opts.phase ?? "Running",
      conditions: [{ type: "Ready", status: (opts.ready ?? true) ? "True" : "False" }],
    },
  };
}
