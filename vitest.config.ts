// Test projects: fast unit tests beside the code, and cluster tests that need e2e/cluster up.
// The cluster tests come in two groups, run one after the other (sequence.groupOrder):
// - "cluster-alongside": files that keep to their own namespace under their own operator process,
//   touch nothing cluster-wide and time nothing tightly; most of their time is spent waiting out
//   idle timeouts, so two run at once.
// - "cluster": everything else, one file at a time: files that restart or kill parts of the
//   cluster, install Puck's in-cluster operator (which would act on every namespace), add a node,
//   or measure how fast something happens.
import { defineConfig } from "vitest/config";

const ALONGSIDE = [
  "e2e/agent/activity-rules.test.ts",
  "e2e/agent/agent-in-pod.test.ts",
  "e2e/cli/any-image.test.ts",
  "e2e/cli/connect-session.test.ts",
  "e2e/cli/sprites.test.ts",
  "e2e/gateway/gateway-cluster.test.ts",
  "e2e/kube/watch-silence.test.ts",
  "e2e/operator/disk.test.ts",
  "e2e/operator/home.test.ts",
  "e2e/operator/lifecycle.test.ts",
  "e2e/operator/machine.test.ts",
  "e2e/operator/services.test.ts",
  "e2e/operator/update.test.ts",
];

const CLUSTER_TIMEOUTS = { testTimeout: 180_000, hookTimeout: 300_000 };

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
          name: "cluster-alongside",
          include: ALONGSIDE,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          ...CLUSTER_TIMEOUTS,
        },
      },
      {
        test: {
          name: "cluster",
          include: ["e2e/**/*.test.ts"],
          exclude: ALONGSIDE,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          ...CLUSTER_TIMEOUTS,
        },
      },
    ],
  },
});
