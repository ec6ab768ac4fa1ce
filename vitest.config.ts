import { defineConfig } from "vitest/config";

// Two projects: `unit` is pure code (planners, schemas, CUE rendering) and needs no
// cluster; `integration` runs against the real local control plane that the global
// setup starts (or reuses) once per run.
export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
