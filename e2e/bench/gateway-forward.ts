// Benchmark without a cluster: the CPU the gateway's SSH layer spends carrying a 200 MiB `ssh -L`
// download, with the host backend (e2e/lib/host-backend.ts) forwarding to a local HTTP server in
// a process of its own, so that this process's CPU is the gateway's alone. It isolates what
// bench:port-forward cannot: the SSH side's cost (ciphers, packets, copies) without the pod's
// WebSocket and the cluster's load. Prints throughput and the gateway's CPU seconds per download.
// Usage: npm run bench:gateway-forward [-- --rounds 5]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGatewayServer } from "../../gateway/ssh-server.js";
import { silentLogger } from "../../kube/logger.js";
import { HostBackend } from "../lib/host-backend.js";
import { pinnedOptions } from "../lib/openssh.js";
import { freePort } from "../lib/operator-process.js";
import { waitFor } from "../lib/wait.js";
import { argument, median } from "../lib/stats.js";
import { downloadMiBps } from "../lib/download.js";
import { run } from "../lib/exec.js";
import { generateEd25519Key } from "../../gateway/openssh-key.js";

const rounds = argument("--rounds", 5);
const BYTES = 200 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "puck-bench-gwf-"));
const key = join(dir, "key");
spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);

// The source: an HTTP server in its own process that answers every request with BYTES random bytes.
const source = spawn(process.execPath, [
  "-e",
  `const b = require("node:crypto").randomBytes(1 << 20);
   const s = require("node:http").createServer(async (q, r) => {
     r.writeHead(200, { "content-length": ${BYTES} });
     for (let i = 0; i < ${BYTES / (1 << 20)}; i++) if (!r.write(b)) await new Promise((d) => r.once("drain", d));
     r.end();
   });
   s.listen(0, "127.0.0.1", () => console.log(s.address().port));`,
]);
let sourceOut = "";
source.stdout.on("data", (c: Buffer) => (sourceOut += c.toString()));

const download = (port: number) => downloadMiBps(port, BYTES);

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

const stops: (() => void)[] = [() => source.kill()];
try {
  const sourcePort = await waitFor(() => Number(sourceOut.trim()) || undefined, { timeoutMs: 10_000, what: "the source's port" });
  const backend = new HostBackend();
  backend.sprites.set("default/dev", { authorizedKeys: [spawnSync("cat", [`${key}.pub`], { encoding: "utf8" }).stdout.trim()], home: dir });
  const hostKey = generateEd25519Key();
  const gateway = createGatewayServer({ hostKey: hostKey.private, backend, log: silentLogger });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  stops.push(() => gateway.close());
  const gatewayPort = (gateway.address() as AddressInfo).port;
  writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${gatewayPort} ${hostKey.public}\n`);
  const localPort = await freePort();
  const ssh = spawn("ssh", [...pinnedOptions(key, join(dir, "known_hosts")), "-o", "ExitOnForwardFailure=yes", "-N", "-p", String(gatewayPort), "-L", `127.0.0.1:${localPort}:localhost:${sourcePort}`, "dev@127.0.0.1"]);
  stops.push(() => ssh.kill());
  await waitFor(() => download(localPort).then(() => true, () => false), { timeoutMs: 30_000, what: "ssh -L to carry a download" });

  const direct: number[] = [];
  const forwarded: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    direct.push(await download(sourcePort));
    const before = cpuSeconds();
    forwarded.push(await download(localPort));
    cpu.push(cpuSeconds() - before);
  }
  const load = (await run("uptime")).stdout.trim();
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} MiB/s (${xs.map((x) => x.toFixed(0)).join(", ")})`;
  console.log(`200 MiB downloads from a local HTTP server, ${rounds} rounds; ${load}`);
  console.log(`  direct                       ${fmt(direct)}`);
  console.log(`  ssh -L through the gateway   ${fmt(forwarded)}, gateway CPU median ${median(cpu).toFixed(2)} s per download (${cpu.map((x) => x.toFixed(2)).join(", ")})`);
} finally {
  for (const stop of stops) stop();
}
