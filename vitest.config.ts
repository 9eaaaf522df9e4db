// Two test projects: fast unit tests beside the code, and cluster tests that need e2e/cluster up.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["kube/**/*.test.ts", "operator/**/*.test.ts", "agent/**/*.test.ts", "cli/**/*.test.ts", "gateway/**/*.test.ts", "scripts/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "cluster",
          include: ["e2e/**/*.test.ts"],
          // Cluster tests share one cluster and its namespaces: run files one at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
