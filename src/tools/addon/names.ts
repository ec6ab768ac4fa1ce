import packageJson from "../../../package.json" with { type: "json" };
import { controllerNodeOptions } from "../../node-options.js";

/** Fixed names shared by the templates; the controller finds its webhook objects by them. */
export const addonNames = {
  name: "kruise-rollout",
  version: packageJson.version,
  webhookService: "kruise-rollout-webhook-service",
  webhookPort: 9443,
  httpPort: 8080,
  nodeOptions: controllerNodeOptions,
  /** The rollouts.kruise.io resources our API serves; a test keeps them equal to src/api/crds. */
  rolloutResources: ["rollouts", "batchreleases", "trafficroutings"],
  crdNames: [
    "rollouts.rollouts.kruise.io",
    "batchreleases.rollouts.kruise.io",
    "trafficroutings.rollouts.kruise.io",
    "analysistemplates.rollouts.kruise.io",
    "clusteranalysistemplates.rollouts.kruise.io",
  ],
} as const;
