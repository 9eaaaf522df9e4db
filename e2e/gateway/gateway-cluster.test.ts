// The gateway on the real cluster: OpenSSH's clients reach a hibernated Sprite through it, which
// wakes it through the shared wake path and runs shells, commands and sftp in its pod over the
// exec WebSocket. The gateway runs here as a process with the admin kubeconfig; the operator too.
// @needs: cluster-alongside
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeBackend } from "../../gateway/kube-backend.js";
import { createGatewayServer } from "../../gateway/ssh-server.js";
import { makeLogger } from "../../kube/logger.js";
import { kubeClient, kubectl } from "../lib/cluster.js";
import { startGatewayProcess } from "../lib/gateway-process.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { freePort } from "../lib/operator-process.js";
import { puck } from "../lib/puck-cli.js";
import { openTerminal } from "../lib/terminal.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, getSprite, patchSpec, spritePhase, waitAsleep } from "../lib/sprites.js";
import { pinnedOptions, runClient } from "../lib/openssh.js";
import { generateEd25519Key } from "../../gateway/openssh-key.js";

const dir = mkdtempSync(join(tmpdir(), "puck-gwk-"));
const hostKey = generateEd25519Key();
const events: string[] = [];
const ns = useOperatorNamespace("gateway");
let gateway: Server;
let port: number;

spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", join(dir, "alice")]);
const alicePub = readFileSync(join(dir, "alice.pub"), "utf8").trim();

const sshOptions = () => pinnedOptions(join(dir, "alice"), join(dir, "known_hosts"));
const run = (file: string, args: string[], input = "") => runClient(file, args, input);

const ssh = (command: string[], input = "") => run("ssh", [...sshOptions(), "-p", String(port), "dev@127.0.0.1", ...command], input);
const phase = () => spritePhase(ns.name, "dev");

async function hibernate(): Promise<void> {
  await patchSpec(ns.name, "dev", { hibernateRequestedAt: new Date().toISOString() });
  await waitAsleep(ns.name, "dev", 120_000);
}

beforeAll(async () => {
  await createSprite(ns.name, "dev", { idleTimeoutMinutes: 30, authorizedKeys: [alicePub] });
  await waitFor(async () => (await phase()) === "Active", { timeoutMs: 180_000, what: "Sprite dev to be Active", describe: () => getSprite(ns.name, "dev") });
  await hibernate();
  gateway = createGatewayServer({
    hostKey: hostKey.private,
    backend: new KubeBackend(await kubeClient()),
    defaultNamespace: ns.name,
    log: makeLogger({ level: "debug", write: (line) => {
      const { msg, ...fields } = JSON.parse(line) as { msg: string };
      events.push(`${msg} ${JSON.stringify(fields)}`);
    } }),
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  port = (gateway.address() as AddressInfo).port;
  writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostKey.public}\n`);
}, 400_000);

afterAll(() => {
  gateway?.close();
});

describe("the gateway on the cluster", () => {
  it("ssh to a hibernated Sprite wakes it and runs the command in its pod", async () => {
    expect(await phase()).toBe("Hibernating");
    const started = Date.now();
    const r = await ssh(["echo woke; hostname; pwd"]);
    console.log(`[gateway] ssh dev@gw from hibernation -> command done: ${Date.now() - started} ms`);
    expect(r, events.slice(-5).join("\n")).toMatchObject({ code: 0, stdout: "woke\ndev-0\n/home/sprite\n" });
    // The session may start up to a second before the operator's status says Active (the gateway
    // probes the new pod, as puck connect does); the status must follow.
    await waitFor(async () => (await phase()) === "Active", { timeoutMs: 30_000, what: "Sprite dev to be Active after the ssh wake", describe: () => getSprite(ns.name, "dev") });
  });

  it("keeps stdout and stderr apart, passes stdin to its end, and returns the exit code", async () => {
    const r = await ssh(["wc -c; echo err >&2; exit 4"], "x".repeat(100_000));
    expect(r).toEqual({ code: 4, stdout: "100000\n", stderr: "err\n" });
  });

  it("gives a login shell in a terminal that follows a resize, and that puck top shows as a terminal session", async () => {
    const term = openTerminal("ssh", [...sshOptions(), "-tt", "-p", String(port), "dev@127.0.0.1"], { columns: 100, rows: 30 });
    try {
      await term.waitForText(/sprite@dev:~\$ $/m, 60_000, "the Sprite's bash prompt");
      // The agent sees the gateway's exec as it sees `puck connect`'s: a terminal running bash.
      let seen = "";
      await waitFor(async () => {
        seen = (await puck(["-n", ns.name, "top", "--once"])).stdout;
        return /^dev\s+Active\s+1\s/m.test(seen) && /^\s+dev\s+terminal pts\/\d+ /m.test(seen);
      }, { timeoutMs: 60_000, intervalMs: 1000, what: "puck top to show the ssh shell as dev's one terminal session", describe: () => seen });
      await term.resizeAndConfirm(120, 40, { timeoutMs: 15_000, intervalMs: 500, what: "the new window size in the Sprite's shell" });
      term.write("exit 3\r");
      expect(await term.exited(20_000)).toBe(3);
    } finally {
      term.kill();
    }
  });

  it("sftp and rsync copy files into the Sprite's home, byte for byte", async () => {
    const payload = Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => (i * 31) % 251));
    writeFileSync(join(dir, "payload"), payload);
    writeFileSync(join(dir, "batch"), `put ${join(dir, "payload")} up.bin\nget up.bin ${join(dir, "down.bin")}\n`);
    const sftp = await run("sftp", [...sshOptions(), "-P", String(port), "-b", join(dir, "batch"), "dev@127.0.0.1"]);
    expect(sftp.code, sftp.stderr).toBe(0);
    expect(readFileSync(join(dir, "down.bin")).equals(payload)).toBe(true);
    const e = ["ssh", ...sshOptions(), "-p", String(port)].join(" ");
    const rsync = await run("rsync", ["-a", "-e", e, join(dir, "payload"), "dev@127.0.0.1:synced.bin"]);
    expect(rsync.code, rsync.stderr).toBe(0);
    expect((await ssh(["sha256sum < up.bin; sha256sum < synced.bin"])).stdout.split("\n").filter(Boolean).map((l) => l.split(" ")[0]))
      .toEqual(Array(2).fill(spawnSync("sha256sum", [join(dir, "payload")], { encoding: "utf8" }).stdout.split(" ")[0]));
  });

  it("ssh -L and ssh -D reach a server on the Sprite's localhost through the pod's port-forward", async () => {
    // perl-base is in every Debian image: a one-line HTTP server on the Sprite's loopback.
    const server = String.raw`use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:8080", Listen => 5, ReuseAddr => 1) or die;
      while (my $c = $s->accept) { my $l; while (($l = <$c>) && $l ne "\r\n") {} print $c "HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nfrom-sprite"; close $c }`;
    writeFileSync(join(dir, "server.pl"), server);
    const put = await run("scp", [...sshOptions(), "-P", String(port), join(dir, "server.pl"), "dev@127.0.0.1:server.pl"]);
    expect(put.code, put.stderr).toBe(0);
    // A dev server running in a session of its own, as it would in a terminal.
    // It says its pid first: closing an exec's connection does not end its program, so the test does.
    const devServer = spawn("ssh", [...sshOptions(), "-p", String(port), "dev@127.0.0.1", "echo $$; exec perl server.pl"]);
    let serverPid = "";
    devServer.stdout.on("data", (d: Buffer) => (serverPid += d.toString()));
    await waitFor(async () => (await ssh(["grep -q '0100007F:1F90 .* 0A ' /proc/net/tcp && echo listening"])).stdout === "listening\n", {
      timeoutMs: 30_000, intervalMs: 500, what: "the Sprite's test server to listen on 8080",
    });
    const local = await freePort();
    const tunnel = spawn("ssh", [...sshOptions(), "-N", "-o", "ExitOnForwardFailure=yes", "-L", `${local}:localhost:8080`, "-p", String(port), "dev@127.0.0.1"]);
    let tunnelErr = "";
    tunnel.stderr.on("data", (d: Buffer) => (tunnelErr += d.toString()));
    let last: unknown;
    try {
      const body = await waitFor(async () => {
        const r = await run("curl", ["-sS", "--max-time", "5", `http://127.0.0.1:${local}/`]);
        last = r;
        return r.code === 0 && r.stdout === "from-sprite" ? r.stdout : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500, what: "curl through ssh -L to answer from the Sprite", describe: async () => ({ last, tunnelErr, inside: await ssh(["curl -sS --max-time 3 http://127.0.0.1:8080/; ps -o pid,stat,args ax"]), events: events.slice(-3) }) });
      expect(body).toBe("from-sprite");
      // ssh -D as VS Code uses it: a SOCKS proxy whose host names the Sprite resolves, not this machine.
      const socksPort = await freePort();
      const socks = spawn("ssh", [...sshOptions(), "-N", "-o", "ExitOnForwardFailure=yes", "-D", `127.0.0.1:${socksPort}`, "-p", String(port), "dev@127.0.0.1"]);
      try {
        const viaSocks = await waitFor(async () => {
          const r = await run("curl", ["-sS", "--max-time", "5", "--socks5-hostname", `127.0.0.1:${socksPort}`, "http://localhost:8080/"]);
          last = r;
          return r.code === 0 ? r.stdout : undefined;
        }, { timeoutMs: 30_000, intervalMs: 500, what: "curl through ssh -D to answer from the Sprite", describe: () => ({ last, events: events.slice(-3) }) });
        expect(viaSocks).toBe("from-sprite");
        // Only the Sprite's own localhost is reachable: another host is refused, not dialled.
        const elsewhere = await run("curl", ["-sS", "--max-time", "5", "--socks5-hostname", `127.0.0.1:${socksPort}`, "http://example.invalid/"]);
        expect(elsewhere.code).not.toBe(0);
        expect(events.some((e) => e.startsWith("Forward refused") && e.includes("example.invalid:80"))).toBe(true);
      } finally {
        socks.kill();
      }
    } finally {
      tunnel.kill();
      devServer.kill();
      if (/^\d+\n/.test(serverPid)) await ssh([`kill ${serverPid.trim()}`]);
    }
  });

  it("a key the Sprite does not list is refused like an unknown Sprite", async () => {
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "mallory")]);
    const other = await run("ssh", [...sshOptions().map((o) => (o === join(dir, "alice") ? join(dir, "mallory") : o)), "-p", String(port), "dev@127.0.0.1", "true"]);
    const unknown = await run("ssh", [...sshOptions(), "-p", String(port), "nosuch@127.0.0.1", "true"]);
    for (const r of [other, unknown]) {
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
    }
  });
});

describe("a session the Sprite ends", () => {
  const MINUTE = 60_000;

  // dev itself, with a 1-minute idle timeout: on a shared cluster a second pod may not fit.
  beforeAll(() => patchSpec(ns.name, "dev", { idleTimeoutMinutes: 1 }));

  it("a silent ssh shell ends with puck connect's line when the Sprite hibernates after its idle timeout, exit 255", async () => {
    const term = openTerminal("ssh", [...sshOptions(), "-tt", "-p", String(port), "dev@127.0.0.1"]);
    ns.terminals.push(term);
    await term.waitForText(/sprite@dev:~\$ $/m, 3 * MINUTE, "dev's bash prompt");
    // Nobody types: the idle timeout runs out, the operator hibernates dev, its pod stops.
    const code = await term.exited(4 * MINUTE).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}\npuck top:\n${(await puck(["-n", ns.name, "top", "--once"])).stdout}`);
    });
    expect(code).toBe(255);
    expect(term.text()).toContain("puck: Sprite dev hibernated after its idle timeout, which ended the session; `puck connect dev` wakes it.");
    expect(await phase()).toBe("Hibernating");
  }, 8 * MINUTE);

  it("a running ssh command ends with the line on stderr when the Sprite is hibernated on request, exit 255", async () => {
    const client = spawn("ssh", [...sshOptions(), "-p", String(port), "dev@127.0.0.1", "echo started; exec sleep 600"]);
    let stdout = "";
    let stderr = "";
    let exitCode: number | null | undefined;
    client.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    client.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    client.once("exit", (code) => (exitCode = code));
    try {
      await waitFor(() => stdout === "started\n", { timeoutMs: 3 * MINUTE, what: "the command to start in dev", describe: () => ({ stdout, stderr, events: events.slice(-3) }) });
      await patchSpec(ns.name, "dev", { hibernateRequestedAt: new Date().toISOString() });
      const ended = await waitFor(() => (exitCode === undefined ? undefined : { code: exitCode }), {
        timeoutMs: 2 * MINUTE, what: "ssh to end with the Sprite's hibernation", describe: () => ({ stdout, stderr }),
      });
      expect(ended.code).toBe(255);
      expect(stderr).toBe("puck: Sprite dev hibernated on request, which ended the session; `puck connect dev` wakes it.\n");
      expect(stdout).toBe("started\n");
    } finally {
      client.kill();
    }
  }, 6 * MINUTE);

  it("a connection open through ssh -L is ended when the Sprite hibernates, as puck port-forward ends its own", async () => {
    // A server on the Sprite's loopback that accepts and then says nothing: the connection stays open.
    const silent = `use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:8081", Listen => 5, ReuseAddr => 1) or die; my @c; while (my $c = $s->accept) { push @c, $c }`;
    const server = spawn("ssh", [...sshOptions(), "-p", String(port), "dev@127.0.0.1", `exec perl -e '${silent}'`]);
    const local = await freePort();
    const tunnel = spawn("ssh", [...sshOptions(), "-N", "-o", "ExitOnForwardFailure=yes", "-L", `${local}:localhost:8081`, "-p", String(port), "dev@127.0.0.1"]);
    let connection: Socket | undefined;
    try {
      await waitFor(async () => (await ssh(["grep -q '0100007F:1F91 .* 0A ' /proc/net/tcp && echo listening"])).stdout === "listening\n", {
        timeoutMs: 3 * MINUTE, intervalMs: 500, what: "the silent server to listen on the Sprite's 8081",
      });
      // Open through the tunnel, and accepted on the Sprite's side: the forward is up.
      const closed = { at: 0 };
      connection = await waitFor(async () => {
        const socket = await new Promise<Socket | undefined>((resolve) => {
          const s = connect(local, "127.0.0.1", () => resolve(s)).once("error", () => resolve(undefined));
        });
        return socket;
      }, { timeoutMs: 30_000, intervalMs: 500, what: "a connection through ssh -L" });
      connection.once("close", () => (closed.at = Date.now()));
      connection.on("error", () => undefined);
      await waitFor(async () => (await ssh(["grep -q ':1F91 0100007F:.* 01 ' /proc/net/tcp && echo accepted"])).stdout === "accepted\n", {
        timeoutMs: 30_000, intervalMs: 500, what: "the Sprite's server to hold the forwarded connection",
      });
      const hibernated = Date.now();
      await patchSpec(ns.name, "dev", { hibernateRequestedAt: new Date().toISOString() });
      await waitFor(() => closed.at > 0, {
        timeoutMs: MINUTE, what: "the forwarded connection to close after the Sprite hibernated",
        describe: async () => ({ phase: await phase(), pods: (await kubectl(["get", "pods", "-n", ns.name, "-o", "name"])).stdout, events: events.slice(-3) }),
      });
      console.log(`[gateway] ssh -L connection ended ${closed.at - hibernated} ms after the hibernation request`);
    } finally {
      connection?.destroy();
      tunnel.kill();
      server.kill();
    }
  }, 6 * MINUTE);
});

describe("puck-gateway, the program", () => {
  const startGateway = () => startGatewayProcess(ns.name);

  it("keeps one host key across restarts, in its Secret, and logs its fingerprint, never the key", async () => {
    const first = await startGateway();
    const before = await run("ssh-keyscan", ["-p", String(first.port), "127.0.0.1"]);
    await first.stop();
    const second = await startGateway();
    try {
      const after = await run("ssh-keyscan", ["-p", String(second.port), "127.0.0.1"]);
      const keyOf = (r: { stdout: string }) => r.stdout.split("\n").find((l) => l.includes("ssh-ed25519"))?.split(" ").slice(1).join(" ");
      expect(keyOf(before)).toMatch(/^ssh-ed25519 /);
      expect(keyOf(after)).toBe(keyOf(before));
      expect(first.log()).toMatch(/Created the SSH host key.*SHA256:/);
      expect(second.log()).toMatch(/Loaded the SSH host key.*SHA256:/);
      expect(first.log() + second.log()).not.toMatch(/PRIVATE KEY|b3BlbnNzaC1rZXktdjE/);
      const secret = await kubectl(["-n", ns.name, "get", "secret", "puck-gateway-host-key", "-o", "jsonpath={.data}"]);
      expect(secret.stdout).toContain("ssh_host_ed25519_key");
      // And it serves: the program wires the same backend the tests above drove.
      writeFileSync(join(dir, "known_hosts2"), `[127.0.0.1]:${second.port} ${keyOf(after)}\n`);
      const r = await run("ssh", [...sshOptions().map((o) => o.replace(join(dir, "known_hosts"), join(dir, "known_hosts2"))), "-p", String(second.port), "dev@127.0.0.1", "echo through-the-program"]);
      expect(r.stdout, r.stderr).toBe("through-the-program\n");
    } finally {
      await second.stop();
    }
  });
});
