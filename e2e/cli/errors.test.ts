// Every user error of `puck` against the real cluster: one line of cause, one of fix, no stack, non-zero exit.
// @needs: cluster
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { installCrd, kubeconfigPath, kubectl, makeNamespace } from "../lib/cluster.js";
import { ensurePuckBuilt, puck, type PuckResult } from "../lib/puck-cli.js";

let ns: { name: string; remove: () => Promise<void> };
const dir = mkdtempSync(join(tmpdir(), "puck-cli-e2e-"));

/** A copy of the test kubeconfig with its cluster and user changed. */
function variantKubeconfig(file: string, change: (config: { clusters: { cluster: Record<string, unknown> }[]; users: { user: Record<string, unknown> }[] }) => void) {
  const config = parse(readFileSync(kubeconfigPath(), "utf8"));
  change(config);
  const path = join(dir, file);
  writeFileSync(path, stringify(config));
  return path;
}

function expectOneLineError(result: PuckResult, cause: RegExp, hint: RegExp) {
  expect(result.code, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).not.toBe(0);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(cause);
  expect(lines[1]).toMatch(/^hint: /);
  expect(lines[1]).toMatch(hint);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  await Promise.all([ensurePuckBuilt(), installCrd()]);
  ns = await makeNamespace("cli-err");
});
afterAll(async () => {
  await ns?.remove();
});

describe("puck errors", () => {
  it("an unreachable cluster", async () => {
    const kc = variantKubeconfig("unreachable", (c) => (c.clusters[0]!.cluster.server = "https://127.0.0.1:1"));
    const result = await puck(["list", "--kubeconfig", kc]);
    expectOneLineError(result, /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/, /cluster is running/);
    expect(result.code).toBe(1);
  });

  it("Puck not installed: the API answers 404 for the Sprite group", async () => {
    // The cluster has the CRD (other tests need it). Behind a path prefix the same API server
    // answers every request with the bare "404 page not found" it gives for an unknown group.
    const kc = variantKubeconfig("no-crd", (c) => (c.clusters[0]!.cluster.server = `${String(c.clusters[0]!.cluster.server)}/no-puck-here`));
    const result = await puck(["list", "--kubeconfig", kc]);
    expectOneLineError(result, /Puck is not installed in this cluster/, /install Puck/);
  });

  it("an unknown Sprite", async () => {
    for (const command of [["describe"], ["connect"], ["wake"], ["hibernate", "--yes"], ["delete"], ["keepawake", "--for", "1h"]]) {
      const [verb, ...rest] = command;
      const result = await puck([verb!, "ghost", ...rest, "-n", ns.name]);
      expectOneLineError(result, new RegExp(`Sprite "ghost" not found in namespace ${ns.name}`), /puck list|puck create ghost/);
    }
  });

  it("an invalid name and an invalid size, all reported at once", async () => {
    const result = await puck(["create", "Bad_Name", "--storage", "lots", "-n", ns.name, "--no-wait"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: 2 problems:\n {2}- name "Bad_Name" is invalid.*\n {2}- --storage "lots" is not a positive size.*\nhint: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const none = await kubectl(["get", "sprites", "-n", ns.name, "-o", "name"]);
    expect(none.stdout.trim()).toBe("");
  });

  it("RBAC denial names the verb, the namespace and how to check", async () => {
    await kubectl(["create", "serviceaccount", "nobody", "-n", ns.name]);
    const token = (await kubectl(["create", "token", "nobody", "-n", ns.name, "--duration", "10m"])).stdout.trim();
    const kc = variantKubeconfig("nobody", (c) => (c.users[0]!.user = { token }));
    const result = await puck(["list", "--kubeconfig", kc, "-n", ns.name]);
    expectOneLineError(result, new RegExp(`not allowed to list sprites in namespace ${ns.name}: .*forbidden`), /kubectl auth can-i list sprites/);
    expect(result.stderr).not.toContain(token);
  });

  it("a usage error (unknown flag) exits 2", async () => {
    const result = await puck(["list", "--bogus"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--bogus'/);
  });
});
