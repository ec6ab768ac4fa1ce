import { describe, expect, it } from "vitest";
import type { Cluster } from "../../../src/cli/cluster.js";
import { type CliDeps, programName, rolloutName, run } from "../../../src/cli/program.js";
import { ApiError } from "../../../src/kube/api-error.js";
import type { Rollout } from "../../../src/rollout/model.js";
import { rolloutAt } from "./fixtures.js";

function fakeCluster(rollout: Rollout | ApiError, patches: unknown[]): Cluster {
  const get = async () => {
    if (rollout instanceof ApiError) throw rollout;
    return rollout;
  };
  return {
    namespace: "shop",
    getRollout: get,
    listRollouts: async () => [await get()],
    getBatchRelease: async () => null,
    getWorkload: async () => null,
    listPods: async () => [],
    listEvents: async () => [],
    list: async () => [],
    patchRollout: async (_name, patch, subresource) => void patches.push({ patch, subresource }),
    patchWorkload: async () => undefined,
  };
}

async function runWith(rollout: Rollout | ApiError, ...args: string[]) {
  let out = "";
  let err = "";
  const patches: unknown[] = [];
  const stream = (append: (s: string) => void) =>
    ({
      write: (s: string) => {
        append(s);
        return true;
      },
    }) as unknown as NodeJS.WriteStream;
  const deps: CliDeps = {
    stdout: stream((s) => {
      out += s;
    }),
    stderr: stream((s) => {
      err += s;
    }),
    env: {},
    connect: () => fakeCluster(rollout, patches),
  };
  const code = await run(["node", "kruise-rollout", ...args], deps);
  return { code, out, err, patches };
}

describe("argument parsing and exit codes", () => {
  it("approves through the status subresource and prints kubectl's line", async () => {
    const r = await runWith(rolloutAt(1, "StepPaused"), "approve", "rollout/web");
    expect(r).toMatchObject({ code: 0, out: "rollout.rollouts.kruise.io/web approved\n" });
    expect(r.patches).toEqual([
      { patch: { status: { canaryStatus: { currentStepState: "StepReady" } } }, subresource: "status" },
    ]);
  });

  it("maps API errors: 404 → 3, 403 → 5, others → 1", async () => {
    const notFound = new ApiError(404, {
      reason: "NotFound",
      message: 'rollouts.rollouts.kruise.io "x" not found',
    });
    expect(await runWith(notFound, "status", "x")).toMatchObject({
      code: 3,
      err: 'error: Error from server (NotFound): rollouts.rollouts.kruise.io "x" not found\n',
    });
    expect(
      (await runWith(new ApiError(403, { reason: "Forbidden", message: "no" }), "approve", "x")).code,
    ).toBe(5);
    expect((await runWith(new ApiError(500, { message: "boom" }), "list")).code).toBe(1);
  });

  it("uses 4 for the wrong state and 2 for bad usage", async () => {
    expect((await runWith(rolloutAt(1, "StepUpgrade"), "approve", "web")).code).toBe(4);
    expect((await runWith(rolloutAt(1, "StepUpgrade"), "approve")).code).toBe(2);
    expect((await runWith(rolloutAt(1, "StepUpgrade"), "status", "web", "-o", "xml")).code).toBe(2);
    expect(
      (await runWith(rolloutAt(1, "StepUpgrade"), "wait", "web", "--for=healthy", "--timeout=5")).code,
    ).toBe(2);
    expect((await runWith(rolloutAt(1, "StepUpgrade"), "status", "deployment/web")).code).toBe(2);
    expect((await runWith(rolloutAt(1, "StepUpgrade"), "--help")).code).toBe(0);
  });

  it("prints list and status in machine formats", async () => {
    const list = await runWith(rolloutAt(1, "StepPaused"), "list", "-o", "json");
    expect(JSON.parse(list.out)).toEqual([
      {
        namespace: "shop",
        name: "web",
        phase: "Progressing",
        step: "1/3",
        state: "StepPaused",
        message: "Rollout is in step(1/3)",
      },
    ]);
    const status = await runWith(rolloutAt(1, "StepPaused"), "status", "web", "-o", "yaml");
    expect(status.out).toContain("phase: Progressing\n");
  });

  it("knows its name as a kubectl plugin and accepts kubectl-style names", () => {
    expect(programName("/usr/local/bin/kubectl-kruise_rollout")).toBe("kubectl kruise-rollout");
    expect(programName("/app/dist/src/cli/main.js")).toBe("kruise-rollout");
    expect(rolloutName("rollouts.rollouts.kruise.io/web")).toBe("web");
    expect(rolloutName("web")).toBe("web");
  });
});
