// Test projects: fast unit tests beside the code, then the e2e tests, each file in the project its
// opening comment declares (`// @needs: host | cluster-alongside | cluster`, read by
// scripts/test-groups.ts; a file that declares none stops every run, so none drops out unseen):
// - "host": files that need this machine (root, OpenSSH's clients, setpriv) but no cluster; npm test
//   runs them before it brings the cluster up.
// - "cluster-alongside": files that keep to their own namespace under their own operator process,
//   touch nothing cluster-wide and time nothing tightly; most of their time is spent waiting out
//   idle timeouts, so two run at once.
// - "cluster": everything else, one file at a time: files that restart or kill parts of the
//   cluster, install Puck's in-cluster operator (which would act on every namespace), add a node,
//   or measure how fast something happens.
// The cluster projects run one after the other (sequence.groupOrder).
import { defineConfig } from "vitest/config";
import { e2eGroups } from "./scripts/test-groups.js";

const groups = e2eGroups(import.meta.dirname);
const E2E_TIMEOUTS = { testTimeout: 180_000, hookTimeout: 300_000 };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["kube/**/*.test.ts", "sprite-client/**/*.test.ts", "operator/**/*.test.ts", "agent/**/*.test.ts", "cli/**/*.test.ts", "gateway/**/*.test.ts", "scripts/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "host",
          include: groups.host,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          ...E2E_TIMEOUTS,
        },
      },
      {
        test: {
          name: "cluster-alongside",
          include: groups["cluster-alongside"],
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
          ...E2E_TIMEOUTS,
        },
      },
      {
        test: {
          name: "cluster",
          include: groups.cluster,
          fileParallelism: false,
          sequence: { groupOrder: 3 },
          ...E2E_TIMEOUTS,
        },
      },
    ],
  },
});
