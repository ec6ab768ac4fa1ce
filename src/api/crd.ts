import type { z } from "zod";
import { AnalysisTemplate } from "./analysis-template.js";
import { BatchReleaseV1alpha1 } from "./batchrelease-v1alpha1.js";
import { BatchReleaseV1beta1 } from "./batchrelease-v1beta1.js";
import { RolloutV1alpha1 } from "./rollout-v1alpha1.js";
import { RolloutV1beta1 } from "./rollout-v1beta1.js";
import { type JSONSchemaProps, toStructuralSchema } from "./structural.js";
import { TrafficRoutingV1alpha1 } from "./trafficrouting-v1alpha1.js";
import { GROUP } from "./well-known.js";

// CustomResourceDefinitions generated from the zod schemas. Names, scope, served/storage versions,
// printer columns and the status subresource mirror upstream's CRDs, so existing clients and
// `kubectl get` output are unchanged.

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
}

/** Where the apiserver reaches the conversion webhook; filled in at install time. */
export type ConversionClientConfig = (
  | { service: { namespace: string; name: string; path?: string; port?: number } }
  | { url: string }
) & { caBundle?: string };

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string };
    scope: "Namespaced" | "Cluster";
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources: { status: Record<string, never> };
    }[];
    conversion?: {
      strategy: "Webhook";
      webhook: { clientConfig: ConversionClientConfig; conversionReviewVersions: string[] };
    };
  };
}

/** Upstream's default: the manager's webhook Service, caBundle injected by the controller at startup. */
export const defaultConversionClientConfig: ConversionClientConfig = {
  service: {
    namespace: "kruise-rollout",
    name: "kruise-rollout-webhook-service",
    path: "/convert",
    port: 443,
  },
};

const age: PrinterColumn = { name: "AGE", type: "date", jsonPath: ".metadata.creationTimestamp" };

const rolloutColumns = (stepPath: string): PrinterColumn[] => [
  { name: "STATUS", type: "string", jsonPath: ".status.phase", description: "The rollout status phase" },
  {
    name: "CANARY_STEP",
    type: "integer",
    jsonPath: `${stepPath}.currentStepIndex`,
    description: "The rollout canary status step",
  },
  {
    name: "CANARY_STATE",
    type: "string",
    jsonPath: `${stepPath}.currentStepState`,
    description: "The rollout canary status step state",
  },
  {
    name: "MESSAGE",
    type: "string",
    jsonPath: ".status.message",
    description: "The rollout canary status message",
  },
  age,
];

// Upstream keeps the v1alpha1 path in v1beta1 too, so the KIND column is empty there; kept as is.
const batchReleaseColumns: PrinterColumn[] = [
  { name: "KIND", type: "string", jsonPath: ".spec.targetReference.workloadRef.kind" },
  { name: "PHASE", type: "string", jsonPath: ".status.phase" },
  { name: "BATCH", type: "integer", jsonPath: ".status.canaryStatus.currentBatch" },
  { name: "BATCH-STATE", type: "string", jsonPath: ".status.canaryStatus.batchState" },
  age,
];

const trafficRoutingColumns: PrinterColumn[] = [
  {
    name: "STATUS",
    type: "string",
    jsonPath: ".status.phase",
    description: "The TrafficRouting status phase",
  },
  {
    name: "MESSAGE",
    type: "string",
    jsonPath: ".status.message",
    description: "The TrafficRouting canary status message",
  },
  age,
];

function version(name: string, schema: z.ZodType, storage: boolean, columns: PrinterColumn[]) {
  return {
    name,
    served: true,
    storage,
    additionalPrinterColumns: columns,
    schema: { openAPIV3Schema: toStructuralSchema(schema) },
    subresources: { status: {} },
  };
}

function crd(
  kind: string,
  plural: string,
  versions: CustomResourceDefinition["spec"]["versions"],
  conversion?: ConversionClientConfig,
  scope: "Namespaced" | "Cluster" = "Namespaced",
): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope,
      versions,
      ...(conversion && {
        conversion: {
          strategy: "Webhook" as const,
          webhook: { clientConfig: conversion, conversionReviewVersions: ["v1", "v1beta1"] },
        },
      }),
    },
  };
}

export function rolloutCrd(conversion = defaultConversionClientConfig): CustomResourceDefinition {
  return crd(
    "Rollout",
    "rollouts",
    [
      version("v1alpha1", RolloutV1alpha1, false, rolloutColumns(".status.canaryStatus")),
      version("v1beta1", RolloutV1beta1, true, rolloutColumns(".status")),
    ],
    conversion,
  );
}

export function batchReleaseCrd(conversion = defaultConversionClientConfig): CustomResourceDefinition {
  return crd(
    "BatchRelease",
    "batchreleases",
    [
      version("v1alpha1", BatchReleaseV1alpha1, false, batchReleaseColumns),
      version("v1beta1", BatchReleaseV1beta1, true, batchReleaseColumns),
    ],
    conversion,
  );
}

export function trafficRoutingCrd(): CustomResourceDefinition {
  return crd("TrafficRouting", "trafficroutings", [
    version("v1alpha1", TrafficRoutingV1alpha1, true, trafficRoutingColumns),
  ]);
}

/** Our extension (src/api/analysis-template.ts): one schema, namespaced and cluster-scoped. */
export function analysisTemplateCrds(): CustomResourceDefinition[] {
  const v1alpha1 = [version("v1alpha1", AnalysisTemplate, true, [age])];
  return [
    crd("AnalysisTemplate", "analysistemplates", v1alpha1),
    crd("ClusterAnalysisTemplate", "clusteranalysistemplates", v1alpha1, undefined, "Cluster"),
  ];
}

/** Every CRD of the group; `conversion` is the webhook endpoint for the multi-version kinds. */
export function buildCrds(conversion = defaultConversionClientConfig): CustomResourceDefinition[] {
  return [
    rolloutCrd(conversion),
    batchReleaseCrd(conversion),
    trafficRoutingCrd(),
    ...analysisTemplateCrds(),
  ];
}
