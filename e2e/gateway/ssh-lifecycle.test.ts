// The gateway's SSH layer over a connection's life, with a host backend standing in for the cluster:
// the key exchange a current client negotiates (OpenSSH 10 from Debian's backports beside Debian's
// own 9.2, and ssh-audit's verdict), a client that vanishes without a word, and a drain.
// @needs: host
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRAIN_NOTICE } from "../../gateway/connections.js";
import { createGatewayServer, type GatewayOptions, type GatewayServer } from "../../gateway/ssh-server.js";
import { makeLogger } from "../../kube/logger.js";
import { freePort } from "../lib/operator-process.js";
import { openTerminal } from "../lib/terminal.js";
import { waitFor } from "../lib/wait.js";
import { HostBackend } from "../lib/host-backend.js";
import { pinnedOptions, runClient } from "../lib/openssh.js";
import { generateEd25519Key } from "../../gateway/openssh-key.js";

const dir = mkdtempSync(join(tmpdir(), "puck-gwl-"));
const hostKey = generateEd25519Key();
const backend = new HostBackend();
const events: { msg: string; level: string; [field: string]: unknown }[] = [];
const keyPath = join(dir, "key");
spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lifecycle", "-f", keyPath]);
/** The e2e cache's clients (e2e/gateway/clients.sh): never installed over the system's. */
const client = (name: string) => execFileSync("bash", ["e2e/gateway/clients.sh", name], { encoding: "utf8", timeout: 300_000 }).trim().split("\n").at(-1)!;
let ssh10: string;
let http: HttpServer;
let httpPort: number;

/** A gateway of its own for each test, on a free port, its log lines in `events`. */
async function startGateway(options: Partial<GatewayOptions> = {}): Promise<{ server: GatewayServer; port: number }> {
  const server = createGatewayServer({
    hostKey: hostKey.private,
    backend,
    log: makeLogger({ level: "debug", write: (line) => events.push(JSON.parse(line) as (typeof events)[number]) }),
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostKey.public}\n`);
  return { server, port };
}

const options = () => pinnedOptions(keyPath, join(dir, "known_hosts"));

beforeAll(async () => {
  mkdirSync(join(dir, "home"));
  backend.sprites.set("default/dev", { authorizedKeys: [readFileSync(`${keyPath}.pub`, "utf8")], home: join(dir, "home") });
  ssh10 = client("openssh10");
  http = createHttpServer((req, res) => res.end(`served ${req.url}`));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  httpPort = (http.address() as AddressInfo).port;
}, 300_000);

afterAll(() => http?.close());

describe("the key exchange", () => {
  it("OpenSSH 10 negotiates the post-quantum mlkem768x25519-sha256, in rekeys too; Debian 12's ssh 9.2 gets curve25519", async () => {
    const { server, port } = await startGateway();
    try {
      const pq = await runClient(ssh10, [...options(), "-v", "-p", String(port), "dev@127.0.0.1", "echo pq-$((6 * 7))"]);
      console.log(`[gateway lifecycle] ${ssh10.split("/").at(-1)} -v: ${pq.stderr.split("\n").find((l) => l.includes("kex: algorithm"))}`);
      expect(pq.stdout, pq.stderr).toBe("pq-42\n");
      expect(pq.stderr).toMatch(/^debug1: kex: algorithm: mlkem768x25519-sha256\r?$/m);
      expect(pq.stderr).not.toMatch(/post-quantum/);

      // Rekeys (OpenSSH's come by its RekeyLimit, here every 64 KiB) reach ssh2 another way: hybrid too.
      const mark = events.length;
      const rekeyed = await runClient(ssh10, [...options(), "-o", "RekeyLimit=64K", "-p", String(port), "dev@127.0.0.1", "head -c 1000000 /dev/zero"]);
      expect(rekeyed.stdout.length, rekeyed.stderr).toBe(1_000_000);
      const exchanges = events.slice(mark).filter((e) => e.msg === "Keys exchanged").map((e) => e.kex);
      expect(exchanges.length).toBeGreaterThanOrEqual(2);
      expect(new Set(exchanges)).toEqual(new Set(["mlkem768x25519-sha256"]));

      const classic = await runClient("ssh", [...options(), "-v", "-p", String(port), "dev@127.0.0.1", "echo classic"]);
      expect(classic.stdout, classic.stderr).toBe("classic\n");
      expect(classic.stderr).toMatch(/^debug1: kex: algorithm: curve25519-sha256\r?$/m);
    } finally {
      server.close();
    }
  });

  it("ssh-audit, a tool no one here wrote, finds no failure", async () => {
    const { server, port } = await startGateway();
    try {
      const audit = await runClient(client("ssh-audit"), ["--skip-rate-test", "--no-colors", "-p", String(port), "127.0.0.1"], "", 60_000);
      console.log(`[gateway lifecycle] ssh-audit exit ${audit.code}; its warnings:\n${audit.stdout.split("\n").filter((l) => l.includes("[warn]")).join("\n")}`);
      expect(audit.stdout).toContain("mlkem768x25519-sha256");
      expect(audit.stdout).not.toContain("[fail]");
      // ssh-audit: 0 all good, 2 warnings (curve25519 and the DH groups lack post-quantum protection), 3 a failure.
      expect([0, 2], audit.stdout).toContain(audit.code);
    } finally {
      server.close();
    }
  });
});

describe("a client that vanishes without a FIN", () => {
  it("is noticed by the keep-alive and its connection closed", async () => {
    const { server, port } = await startGateway({ keepaliveMs: 300 });
    // A path that can go silent both ways while both ends stay open, as a dropped NAT entry does.
    let frozen = false;
    const sockets: Socket[] = [];
    const proxy = createServer((inbound) => {
      const outbound = connect(port, "127.0.0.1");
      sockets.push(inbound, outbound);
      inbound.on("data", (d: Buffer) => frozen || outbound.write(d));
      outbound.on("data", (d: Buffer) => frozen || inbound.write(d));
      inbound.on("error", () => undefined);
      outbound.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyPort = (proxy.address() as AddressInfo).port;
    writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${proxyPort} ${hostKey.public}\n`);
    const mark = events.length;
    const child = spawn("ssh", [...options(), "-N", "-o", "ServerAliveInterval=0", "-p", String(proxyPort), "dev@127.0.0.1"]);
    try {
      await waitFor(() => server.connections === 1 && events.slice(mark).some((e) => e.msg === "Authenticated"), { timeoutMs: 20_000, what: "ssh -N to authenticate", describe: () => events.slice(mark) });
      frozen = true;
      const since = Date.now();
      await waitFor(() => server.connections === 0, { timeoutMs: 10_000, what: "the gateway to close the silent connection", describe: () => events.slice(-3) });
      console.log(`[gateway lifecycle] a silent client's connection closed after ${Date.now() - since} ms (keep-alive every 300 ms, 3 unanswered)`);
      expect(events.slice(mark).some((e) => e.msg === "Connection closed" && e.reason === "the client stopped answering keep-alives" && typeof e.connection === "string" && e.sprite === "default/dev")).toBe(true);
    } finally {
      child.kill();
      for (const s of sockets) s.destroy();
      proxy.close();
      server.close();
    }
  });
});

describe("a drain", () => {
  it("keeps a terminal and an ssh -L forward going, tells the terminal, refuses new connections after the handover, and ends with the last one", async () => {
    const { server, port } = await startGateway();
    const term = openTerminal(ssh10, [...options(), "-tt", "-p", String(port), "dev@127.0.0.1"]);
    const local = await freePort();
    const forward = spawn("ssh", [...options(), "-N", "-o", "ExitOnForwardFailure=yes", "-L", `${local}:localhost:${httpPort}`, "-p", String(port), "dev@127.0.0.1"]);
    const curl = () => runClient("curl", ["-sS", "--max-time", "10", `http://127.0.0.1:${local}/through`]);
    try {
      await term.waitForText(/host\$ $/m, 20_000, "the shell's prompt");
      await waitFor(async () => (await curl()).stdout === "served /through", { timeoutMs: 20_000, what: "ssh -L to carry a request" });
      let drained: { closed: number } | undefined;
      const draining = Date.now();
      void server.drain(60_000, 3000).then((r) => (drained = r));
      // For the handover a new connection is still served (the cluster may still send one here).
      const during = await runClient("ssh", [...options(), "-p", String(port), "dev@127.0.0.1", "echo during-handover"]);
      expect(during.stdout, `${during.stderr} after ${Date.now() - draining} ms`).toBe("during-handover\n");

      await term.waitForText(new RegExp(DRAIN_NOTICE.replace(/[.()]/g, "\\$&")), 10_000, "the drain's line in the terminal");
      term.write("echo still-$((6 * 7))\r");
      await term.waitForText(/still-42/, 10_000, "a command typed after the drain began");
      expect((await curl()).stdout).toBe("served /through");
      await waitFor(async () => /Connection refused/.test((await runClient("ssh", [...options(), "-o", "ConnectTimeout=5", "-p", String(port), "dev@127.0.0.1", "true"])).stderr), {
        timeoutMs: 10_000, intervalMs: 250, what: "new connections to be refused after the handover",
      });
      expect(Date.now() - draining).toBeGreaterThanOrEqual(3000);
      expect(drained).toBeUndefined();

      term.write("exit\r");
      expect(await term.exited(10_000)).toBe(0);
      expect(drained).toBeUndefined();
      forward.kill();
      await waitFor(() => drained, { timeoutMs: 10_000, what: "the drain to end with the last connection" });
      expect(drained).toEqual({ closed: 0 });
    } finally {
      term.kill();
      forward.kill();
      server.close();
    }
  });
});
