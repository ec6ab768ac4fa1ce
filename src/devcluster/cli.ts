// `npm run cluster:up|down|status [-- --kind]`: the local control plane for
// development, tests and the demo. See the README's "Local control plane" section.
import { defaultClusterOptions, down, downWithKind, status, up, upWithKind } from "./cluster.js";

const [command, ...flags] = process.argv.slice(2);
const useKind = flags.includes("--kind") || process.env.KRT_USE_KIND === "1";

async function main(): Promise<number> {
  switch (command) {
    case "up": {
      const info = useKind ? upWithKind() : await up();
      console.log(`cluster "${info.name}" is up`);
      console.log(`export KUBECONFIG=${info.kubeconfig}`);
      return 0;
    }
    case "down":
      if (useKind) downWithKind();
      else await down(defaultClusterOptions, !flags.includes("--keep-data"));
      console.log("cluster stopped");
      return 0;
    case "status": {
      const { info, components } = await status();
      for (const [name, ok] of Object.entries(components)) console.log(`${ok ? "ok  " : "DOWN"} ${name}`);
      console.log(`kubeconfig: ${info.kubeconfig}`);
      console.log(`server:     ${info.server}`);
      return Object.values(components).every(Boolean) ? 0 : 1;
    }
    default:
      console.error("usage: cli.ts up|down|status [--kind] [--keep-data]");
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  },
);
