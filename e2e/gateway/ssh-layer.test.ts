// The gateway's SSH layer driven by Debian's OpenSSH clients (ssh, scp, sftp, ssh-keyscan), rsync
// and curl, with a host backend standing in for the cluster (e2e/lib/host-backend.ts): what a
// person's tools do against the gateway, refusals included, and the gateway unharmed after each.
// @needs: host
import { spawn, spawnSync } from "node:child_process";
import { createServer, type Server as HttpServer } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayServer } from "../../gateway/ssh-server.js";
import { makeLogger } from "../../kube/logger.js";
import { openTerminal } from "../lib/terminal.js";
import { waitFor } from "../lib/wait.js";
import { HostBackend } from "../lib/host-backend.js";
import { pinnedOptions, runClient } from "../lib/openssh.js";
import { generateEd25519Key } from "../../gateway/openssh-key.js";


const dir = mkdtempSync(join(tmpdir(), "puck-gw-"));
const backend = new HostBackend();
const events: { event: string; fields: Record<string, unknown> }[] = [];
/** The gateway's log as events: each line's message and its other fields. */
const log = makeLogger({ level: "debug", write: (line) => {
  const { msg, ...fields } = JSON.parse(line) as { msg: string };
  events.push({ event: msg, fields });
} });
const hostKey = generateEd25519Key();
let gateway: Server;
let port: number;

/** An OpenSSH key pair made by ssh-keygen, as a user has one. */
function userKey(name: string): { path: string; publicLine: string } {
  const path = join(dir, name);
  spawnSyncOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path]);
  return { path, publicLine: readFileSync(`${path}.pub`, "utf8").trim() };
}

function spawnSyncOk(file: string, args: string[]) {
  const r = spawnSync(file, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${file} ${args.join(" ")}: ${r.stderr}`);
}

const alice = userKey("alice");
const mallory = userKey("mallory");
const restricted = userKey("restricted");

/** Options every client here uses: this gateway's host key only, our key only, no prompts. */
const sshOptions = (key: string) => pinnedOptions(key, join(dir, "known_hosts"));
const run = runClient;

const ssh = (user: string, command: string[], { key = alice.path, input = "", extra = [] as string[] } = {}) =>
  run("ssh", [...sshOptions(key), "-p", String(port), ...extra, `${user}@127.0.0.1`, ...command], input);

beforeAll(async () => {
  mkdirSync(join(dir, "home-dev"));
  mkdirSync(join(dir, "home-team"));
  backend.sprites.set("default/dev", { authorizedKeys: [`# alice\n${alice.publicLine}`, `restrict ${restricted.publicLine}`], home: join(dir, "home-dev") });
  backend.sprites.set("team/dev", { authorizedKeys: [alice.publicLine], home: join(dir, "home-team") });
  backend.sprites.set("default/asleep", { authorizedKeys: [alice.publicLine], home: dir, endsSessions: { cause: "Hibernated", text: "Sprite asleep hibernated after its idle timeout, which ended the session; `puck connect asleep` wakes it." } });
  backend.sprites.set("default/broken", { authorizedKeys: [alice.publicLine], home: dir, failsToStart: 'image "nope:1" cannot be pulled' });
  gateway = createGatewayServer({
    hostKey: hostKey.private,
    backend,
    authTimeoutMs: 2000,
    limits: { maxUnauthenticated: 16, maxFailures: 1000, failureWindowMs: 60_000 },
    log,
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  port = (gateway.address() as AddressInfo).port;
  writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostKey.public}\n`);
});

afterAll(() => {
  gateway?.close();
});

describe("commands: ssh dev@gw CMD", () => {
  it("keeps stdout and stderr apart and returns the exit code", async () => {
    const r = await ssh("dev", ["echo out; echo err >&2; exit 7"]);
    expect(r).toEqual({ code: 7, stdout: "out\n", stderr: "err\n" });
  });

  it("passes stdin through to its end", async () => {
    const input = "x".repeat(300_000);
    const r = await ssh("dev", ["wc -c"], { input });
    expect(r.stdout.trim()).toBe("300000");
  });

  it("dev.team reaches Sprite dev in namespace team", async () => {
    const r = await ssh("dev.team", ["pwd"]);
    expect(r.stdout.trim()).toBe(join(dir, "home-team"));
  });

  it("wakes the Sprite before the command runs", async () => {
    const before = backend.wakes.length;
    await ssh("dev", ["true"]);
    expect(backend.wakes.slice(before)).toEqual(["default/dev"]);
  });

  it("a Sprite that cannot start says why in one line, with puck's exit code 3", async () => {
    const r = await ssh("broken", ["true"]);
    expect(r).toEqual({ code: 3, stdout: "", stderr: 'puck: Sprite broken cannot start: image "nope:1" cannot be pulled\n' });
  });
});

describe("a session the Sprite ends", () => {
  // Through Kubernetes a shell killed by the stopping pod reports 128 + the signal as its exit code:
  // the host "Sprite" reports the same by exiting with it.
  it("a command killed as a stopping pod kills it gets puck connect's line on stderr and exit 255", async () => {
    const r = await ssh("asleep", ["echo started; exit 143"]);
    expect(r).toEqual({ code: 255, stdout: "started\n", stderr: "puck: Sprite asleep hibernated after its idle timeout, which ended the session; `puck connect asleep` wakes it.\n" });
  });

  it("a shell in a terminal gets the line too, on its own line", async () => {
    const term = openTerminal("ssh", [...sshOptions(alice.path), "-tt", "-p", String(port), "asleep@127.0.0.1"]);
    try {
      await term.waitForText(/host\$ $/m, 20_000, "the host shell's prompt");
      term.write("exit 129\r");
      expect(await term.exited(20_000)).toBe(255);
      expect(term.text()).toMatch(/\npuck: Sprite asleep hibernated after its idle timeout, which ended the session; `puck connect asleep` wakes it.\n/);
    } finally {
      term.kill();
    }
  });

  it("a killed command whose Sprite is as it was keeps its own status", async () => {
    const r = await ssh("dev", ["exit 143"]);
    expect(r).toEqual({ code: 143, stdout: "", stderr: "" });
  });
});

describe("refusals look alike and leave the gateway serving", () => {
  it.each([
    ["a key not in the Sprite", "dev", () => mallory.path],
    ["an unknown Sprite", "nosuch", () => alice.path],
    ["a user name that names no Sprite", "no.such.sprite", () => alice.path],
  ])("%s: exit 255 with OpenSSH's own message", async (_what, user, key) => {
    const r = await ssh(user, ["true"], { key: key() });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
    expect((await ssh("dev", ["echo still-serving"])).stdout).toBe("still-serving\n");
  });

  it("speaks AES-GCM only: a client that offers only a CTR cipher cannot connect", async () => {
    const r = await ssh("dev", ["echo in"], { extra: ["-o", "Ciphers=aes128-ctr"] });
    expect(r).toMatchObject({ code: 255, stdout: "" });
    expect((await ssh("dev", ["echo in"], { extra: ["-o", "Ciphers=aes128-gcm@openssh.com"] })).stdout).toBe("in\n");
    expect((await ssh("dev", ["echo still-serving"])).stdout).toBe("still-serving\n");
  });

  it("offers no password or keyboard-interactive login", async () => {
    const r = await ssh("dev", ["true"], { extra: ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive"] });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it("survives garbage instead of a handshake", async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(Buffer.alloc(4096, 0xff)));
      socket.resume(); // read what the gateway sends, so its close is seen
      socket.on("close", () => resolve());
      socket.on("error", () => undefined);
    });
    expect((await ssh("dev", ["echo still-serving"])).stdout).toBe("still-serving\n");
  });

  it("closes a connection that does not authenticate in time", async () => {
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.resume(); // read what the gateway sends, so its close is seen
      socket.on("close", () => resolve());
      socket.on("error", () => undefined);
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(events.at(-1)).toMatchObject({ event: "Connection closed", fields: { reason: "not authenticated in time" } });
  });

  it("turns an address away after too many failed attempts", async () => {
    const strict = createGatewayServer({ hostKey: hostKey.private, backend, limits: { maxUnauthenticated: 16, maxFailures: 2, failureWindowMs: 60_000 }, log });
    await new Promise<void>((resolve) => strict.listen(0, "127.0.0.1", resolve));
    const strictPort = String((strict.address() as AddressInfo).port);
    try {
      const attempt = (key: string) => run("ssh", ["-o", "StrictHostKeyChecking=accept-new", ...sshOptions(key), "-p", strictPort, "dev@127.0.0.1", "echo in"]);
      for (let i = 0; i < 2; i++) expect((await attempt(mallory.path)).stderr).toMatch(/Permission denied/);
      // Even the right key is not heard now: the connection closes before the handshake.
      const after = await attempt(alice.path);
      expect(after.code).toBe(255);
      expect(after.stdout).toBe("");
      expect(events.some((e) => e.event === "Connection refused")).toBe(true);
    } finally {
      strict.close();
    }
  });

  it("ssh-keyscan sees the gateway's one ed25519 host key", async () => {
    const r = await run("ssh-keyscan", ["-p", String(port), "127.0.0.1"]);
    expect(r.stdout.trim().split("\n").filter((l) => !l.startsWith("#"))).toEqual([`[127.0.0.1]:${port} ${hostKey.public}`]);
  });
});

describe("a terminal: ssh -t dev@gw", () => {
  it("types into a shell, follows a resize, and returns its exit code", async () => {
    const term = openTerminal("ssh", [...sshOptions(alice.path), "-tt", "-p", String(port), "dev@127.0.0.1"], { columns: 100, rows: 30 });
    try {
      await term.waitForText(/host\$ $/m, 20_000, "the shell's prompt");
      term.write("echo answer-$((6 * 7))\r");
      await term.waitForText(/answer-42/, 10_000);
      await term.resizeAndConfirm(120, 40, { timeoutMs: 10_000, intervalMs: 300, what: "the new window size in the shell" });
      term.write("exit 5\r");
      expect(await term.exited(10_000)).toBe(5);
    } finally {
      term.kill();
    }
  });

  it("a key marked restrict gets no terminal and no forwards, but runs commands", async () => {
    // OpenSSH gives up on a session whose terminal it asked for explicitly and did not get.
    const asked = await ssh("dev", ["true"], { key: restricted.path, extra: ["-tt"] });
    expect(asked.stderr).toMatch(/PTY allocation request failed/);
    expect((await ssh("dev", ["echo runs"], { key: restricted.path })).stdout).toBe("runs\n");
    const forward = await forwardThrough(restricted.path, 80);
    expect(forward.ok).toBe(false);
  });
});

describe("files: sftp, scp and rsync", () => {
  const payload = Buffer.from(Array.from({ length: 2_000_000 }, (_, i) => (i * 7919) % 251));

  it("sftp puts and gets a file byte for byte", async () => {
    writeFileSync(join(dir, "payload"), payload);
    writeFileSync(join(dir, "batch"), `put ${join(dir, "payload")} uploaded\nget uploaded ${join(dir, "downloaded")}\n`);
    const r = await run("sftp", [...sshOptions(alice.path), "-P", String(port), "-b", join(dir, "batch"), "dev@127.0.0.1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "home-dev", "uploaded")).equals(payload)).toBe(true);
    expect(readFileSync(join(dir, "downloaded")).equals(payload)).toBe(true);
  });

  it.each([["over SFTP (scp's default)", []], ["with the old protocol (scp -O)", ["-O"]]])("scp copies %s", async (_mode, flags) => {
    writeFileSync(join(dir, "payload"), payload);
    const name = `scp${flags.length}`;
    const r = await run("scp", [...sshOptions(alice.path), ...flags, "-P", String(port), join(dir, "payload"), `dev@127.0.0.1:${name}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "home-dev", name)).equals(payload)).toBe(true);
  });

  it("rsync -e ssh syncs a tree", async () => {
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "a/b"), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(tree, "a/b", `f${i}`), `file ${i}\n`);
    const e = ["ssh", ...sshOptions(alice.path), "-p", String(port)].join(" ");
    const r = await run("rsync", ["-a", "-e", e, `${tree}/`, "dev@127.0.0.1:synced/"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "home-dev", "synced/a/b/f19"), "utf8")).toBe("file 19\n");
  });
});

/** Starts `ssh -N -L` to a port on the Sprite, fetches through it with curl, and stops it. */
async function forwardThrough(key: string, remotePort: number, path = "/"): Promise<{ ok: boolean; body: string }> {
  const local = await freePort();
  const child = spawn("ssh", [...sshOptions(key), "-N", "-o", "ExitOnForwardFailure=yes", "-L", `${local}:localhost:${remotePort}`, "-p", String(port), "dev@127.0.0.1"]);
  try {
    await waitFor(() => canConnect(local), { timeoutMs: 10_000, what: `ssh -L to listen on ${local}` });
    const r = await run("curl", ["-sS", "--max-time", "10", `http://127.0.0.1:${local}${path}`]);
    return { ok: r.code === 0, body: r.stdout };
  } finally {
    child.kill();
  }
}

describe("forwards: ssh -L and ssh -D reach the Sprite's own ports only", () => {
  let http: HttpServer;
  let httpPort: number;
  beforeAll(async () => {
    http = createServer((req, res) => res.end(`served ${req.url}`));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    httpPort = (http.address() as AddressInfo).port;
  });
  afterAll(() => http.close());

  it("ssh -L carries a request to a port on the Sprite's localhost", async () => {
    expect(await forwardThrough(alice.path, httpPort, "/via-L")).toEqual({ ok: true, body: "served /via-L" });
  });

  it("ssh -D carries curl --socks5-hostname to localhost, and refuses anywhere else", async () => {
    const socks = await freePort();
    const child = spawn("ssh", [...sshOptions(alice.path), "-N", "-D", `127.0.0.1:${socks}`, "-p", String(port), "dev@127.0.0.1"]);
    try {
      await waitFor(() => canConnect(socks), { timeoutMs: 10_000, what: `ssh -D to listen on ${socks}` });
      const here = await run("curl", ["-sS", "--max-time", "10", "--socks5-hostname", `127.0.0.1:${socks}`, `http://localhost:${httpPort}/via-D`]);
      expect(here.stdout).toBe("served /via-D");
      const elsewhere = await run("curl", ["-sS", "--max-time", "10", "--socks5-hostname", `127.0.0.1:${socks}`, "http://elsewhere.invalid/"]);
      expect(elsewhere.code).not.toBe(0);
      expect(events.some((e) => e.event === "Forward refused" && e.fields.destination === "elsewhere.invalid:80")).toBe(true);
    } finally {
      child.kill();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port: free } = server.address() as AddressInfo;
      server.close(() => resolve(free));
    });
  });
}

function canConnect(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(p, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}
