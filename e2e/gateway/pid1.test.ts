// The gateway as its image runs it: Node as PID 1 of its own PID namespace, where the kernel drops
// a signal the process has no handler for. A pod deleted while the gateway starts (a rollout right
// after another) got its SIGTERM before the handlers existed and waited out its hour of grace; the
// gateway must stop at once on a signal that comes before it serves. Here the API server it starts
// against accepts connections and never answers, so the gateway is held in its start.
// @needs: host
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ensureBundle } from "../lib/bundles.js";
import { freePort } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";

const dir = mkdtempSync(join(tmpdir(), "puck-gw-pid1-"));
const held: Socket[] = [];
let silent: Server | undefined;
let unshare: ChildProcess | undefined;

afterAll(() => {
  unshare?.kill("SIGKILL");
  for (const socket of held) socket.destroy();
  silent?.close();
});

/** The host PID of unshare's child (the gateway, PID 1 inside), once it exists. */
const childOf = (pid: number) => Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0]) || undefined;
const alive = (pid: number) => spawnSync("kill", ["-0", String(pid)]).status === 0;

it("stops at once on a SIGTERM that comes while it starts, as PID 1", async () => {
  silent = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent!.listen(0, "127.0.0.1", resolve));
  const port = (silent.address() as AddressInfo).port;
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`);
  const bundle = await ensureBundle("gateway");
  let output = "";
  unshare = spawn("unshare", ["--pid", "--fork", "--mount-proc", process.execPath, bundle, "--kubeconfig", kubeconfig, "--listen", `127.0.0.1:${await freePort()}`, "--http-listen", `127.0.0.1:${await freePort()}`]);
  unshare.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  unshare.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const gateway = await waitFor(() => childOf(unshare!.pid!), { what: "the gateway as PID 1 of its namespace", timeoutMs: 10_000 });
  // Held in its start: the API server took the connection and says nothing.
  await waitFor(() => held.length > 0, { what: "the gateway to call the API server", timeoutMs: 30_000, describe: () => output });
  spawnSync("kill", ["-TERM", String(gateway)]);
  await waitFor(() => !alive(gateway), { what: "the gateway to stop on SIGTERM", timeoutMs: 5_000, describe: () => `still running; its output: ${output || "(none)"}` });
  expect(output).not.toMatch(/Serving/);
}, 60_000);
