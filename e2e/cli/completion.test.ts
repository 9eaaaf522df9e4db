// Shell completion from the built puck, in a real bash: commands, flags, and Sprite names from the cluster.
// @needs: cluster
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION, KIND } from "../../operator/api/index.js";
import { installCrd, kubeconfigPath, kubectl, makeNamespace } from "../lib/cluster.js";
import { ensurePuckBuilt, PUCK } from "../lib/puck-cli.js";
import { run } from "../lib/exec.js";

let ns: { name: string; remove: () => Promise<void> };
const bin = mkdtempSync(join(tmpdir(), "puck-bin-"));

/** What bash completes for the words typed so far (the last one being completed). */
async function complete(words: string[]): Promise<string[]> {
  const script = `source <(puck completion bash); COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _puck; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run("bash", ["-c", script], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: kubeconfigPath() },
  });
  return stdout.split("\n").filter(Boolean).sort();
}

beforeAll(async () => {
  await Promise.all([ensurePuckBuilt(), installCrd()]);
  ns = await makeNamespace("cli-complete");
  writeFileSync(join(bin, "puck"), `#!/bin/sh\nexec "${process.execPath}" "${PUCK}" -n ${ns.name} "$@"\n`);
  chmodSync(join(bin, "puck"), 0o755);
  const sprite = (name: string) => ({ apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: ns.name }, spec: { image: "puck-sprite:dev" } });
  await kubectl(["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: [sprite("alpha"), sprite("alps"), sprite("beta")] }) });
});
afterAll(async () => {
  await ns?.remove();
});

describe("bash completion", () => {
  it("completes commands", async () => {
    expect(await complete(["puck", "co"])).toEqual(["completion", "connect"]);
  });
  it("completes Sprite names from the cluster", async () => {
    expect(await complete(["puck", "connect", "al"])).toEqual(["alpha", "alps"]);
  });
  it("completes a command's flags", async () => {
    expect(await complete(["puck", "keepawake", "--f"])).toEqual(["--for"]);
  });
});
