import packageJson from "../../../package.json" with { type: "json" };

/** One addon parameter; the defaults feed both parameter.cue and the plain install.yaml. */
export interface AddonParameter {
  name: string;
  default: string | number;
  usage: string;
}

export const addonParameters: readonly AddonParameter[] = [
  { name: "image", default: `kruise-rollout:${packageJson.version}`, usage: "Controller image" },
  { name: "replicas", default: 1, usage: "Controller replicas (one leads, the others stand by)" },
  { name: "namespace", default: "kruise-rollout", usage: "Namespace of the controller and its certificates" },
  { name: "logLevel", default: "info", usage: "`debug`, `info`, `warn` or `error`" },
  {
    name: "webhookMode",
    default: "service",
    usage:
      "`service`: the controller runs in the cluster; `url`: it runs elsewhere and the API server calls `webhookURL`",
  },
  {
    name: "webhookURL",
    default: "https://127.0.0.1:9443",
    usage: "Base URL of the controller's webhook server when `webhookMode=url`",
  },
];

export function parameterDefaults(): Record<string, string | number> {
  return Object.fromEntries(addonParameters.map((p) => [p.name, p.default]));
}
