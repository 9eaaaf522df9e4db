// The gateway's HTTP layer (Sprite URLs) driven by curl and a WebSocket client, with a host backend
// standing in for the cluster (e2e/lib/host-url-backend.ts) and real local HTTP servers as the
// Sprites' ports: who gets through, what wakes a Sprite and what waits for it, what the app sees,
// and hostile input refused before anything reaches an app.
// @needs: host
import { execFile } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { createUrlServer, type UrlServer } from "../../gateway/http/server.js";
import { makeLogger } from "../../kube/logger.js";
import { newCredential, type SpriteToken, type TokenPurpose } from "../../operator/api/access-token.js";
import { HostUrlBackend } from "../lib/host-url-backend.js";
import { waitFor } from "../lib/wait.js";

const DOMAIN = "sprites.test.example";
const backend = new HostUrlBackend();
const lines: string[] = [];
const log = makeLogger({ level: "debug", write: (line) => lines.push(line) });
let gateway: UrlServer;
let port: number;

/** What the app behind every test Sprite saw. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}
const seen: Seen[] = [];
let app: Server;
let appPort: number;
const BIG = 200 * 1024 * 1024;

/** Paths whose first request the app drops without an answer: a kept connection closed as it was reused. */
const dropOnce = new Set<string>();

function startApp(): Promise<void> {
  app = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    if (req.url && dropOnce.delete(req.url)) return void req.socket.destroy();
    if (req.url === "/big") {
      // 200 MiB in 1 MiB chunks, written as the client reads: nothing buffers it whole.
      const chunk = Buffer.alloc(1 << 20, 120);
      let left = BIG / chunk.length;
      res.writeHead(200, { "content-length": String(BIG) });
      const more = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        res.end();
      };
      return more();
    }
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      // /toss: an app setting cookies for the whole URL domain, as a hostile one would.
      const cookies = req.url === "/toss" ? { "set-cookie": [`sid=evil; Domain=${DOMAIN}; Path=/`, `x=1; Path=/; domain=.${DOMAIN}; Domain=${DOMAIN}`, "theme=dark; Path=/"] } : {};
      res.writeHead(200, { "content-type": "application/json", ...cookies });
      res.end(JSON.stringify({ url: req.url, body, headers: req.headers }));
    });
  });
  const wss = new WebSocketServer({ server: app });
  wss.on("connection", (socket, request) => {
    socket.on("message", (data: Buffer) => {
      if (data.toString() === "die") return void request.socket.destroy();
      socket.send(`echo:${data.toString()}`);
    });
  });
  return new Promise((resolve) => app.listen(0, "127.0.0.1", () => resolve()));
}

const hostOf = (port: number, name: string, namespace = "default") => `${port}-${name}${namespace === "default" ? "" : `--${namespace}`}.${DOMAIN}`;

interface CurlResult {
  status: number;
  headers: string;
  body: string;
}

/** curl to the gateway with this Host; the status, the response headers and the body. */
function curl(host: string, path: string, args: string[] = []): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "-D", "-", "-H", `Host: ${host}`, ...args, `http://127.0.0.1:${port}${path}`], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error && !stdout) return reject(new Error(`curl: ${stderr}`));
      const at = stdout.indexOf("\r\n\r\n");
      const headers = stdout.slice(0, at);
      resolve({ status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1]), headers, body: stdout.slice(at + 4) });
    });
  });
}

const header = (r: CurlResult, name: string) => new RegExp(`^${name}: (.*)$`, "im").exec(r.headers)?.[1]?.trim();
const NAVIGATE = ["-H", "Sec-Fetch-Mode: navigate"];

let version = 0;
/** A SpriteToken as `puck open` / `puck url --token` make it; the credential string handed out. */
function addToken(sprite: string, purpose: TokenPurpose, { expiresInS = 60, port }: { expiresInS?: number; port?: number } = {}): { credential: string; name: string } {
  const made = newCredential(purpose);
  const token: SpriteToken = {
    apiVersion: "puck.sandwich.labs/v1alpha1" as SpriteToken["apiVersion"],
    kind: "SpriteToken",
    metadata: { name: made.name, namespace: "default", uid: `u-${made.name}`, resourceVersion: String(++version) },
    spec: { sprite, purpose, sha256: made.sha256, expiresAt: new Date(Date.now() + expiresInS * 1000).toISOString(), ...(port ? { port } : {}) },
  };
  backend.tokens.set(`default/${made.name}`, token);
  return { credential: made.credential, name: made.name };
}

beforeAll(async () => {
  await startApp();
  appPort = (app.address() as AddressInfo).port;
  const awake = { state: "awake" as const, wokeAtMs: Date.now() - 600_000 };
  backend.sprites.set("default/pub", { uid: "u-pub", http: [{ port: 8000, public: true }], ports: { 8000: appPort }, ...awake });
  backend.sprites.set("default/priv", { uid: "u-priv", http: [{ port: 8000 }], ports: { 8000: appPort }, ...awake });
  backend.sprites.set("default/other", { uid: "u-other", http: [{ port: 8000 }], ports: { 8000: appPort }, ...awake });
  backend.sprites.set("default/idle", { uid: "u-idle", http: [{ port: 8000 }], ports: { 8000: appPort }, ...awake });
  backend.sprites.set("default/kept", { uid: "u-kept", http: [{ port: 8000, public: true }], ports: { 8000: appPort }, ...awake });
  backend.sprites.set("default/empty", { uid: "u-empty", http: [{ port: 9000, public: true }], ports: {}, ...awake });
  for (const name of ["sleepy", "napping", "dozing"]) {
    backend.sprites.set(`default/${name}`, { uid: `u-${name}`, http: [{ port: 8000, public: true }], servicePorts: [8000], ports: { 8000: appPort }, state: "asleep" });
  }
  backend.sprites.set("default/broken", {
    uid: "u-broken", http: [{ port: 8000, public: true }], ports: {}, state: "asleep", failsToStart: "its home volume lives on node b, which is not ready",
  });
  gateway = createUrlServer({ backend, domain: DOMAIN, scheme: "http", key: Buffer.alloc(32, 1), log, limits: { maxFailures: 1000, failureWindowMs: 60_000 } });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  port = (gateway.address() as AddressInfo).port;
});

afterAll(() => {
  gateway?.close();
  gateway?.closeAllConnections();
  app?.close();
  app?.closeAllConnections();
});

describe("public and private ports", () => {
  it("passes a public port's request on with the original Host and the forwarding headers, and records it without its query", async () => {
    const r = await curl(hostOf(8000, "pub"), "/hello?q=1");
    expect(r.status).toBe(200);
    const got = JSON.parse(r.body) as { url: string; headers: IncomingHttpHeaders };
    expect(got.url).toBe("/hello?q=1");
    expect(got.headers.host).toBe(hostOf(8000, "pub"));
    expect(got.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(got.headers["x-forwarded-host"]).toBe(hostOf(8000, "pub"));
    expect(got.headers["x-forwarded-proto"]).toBe("http");
    expect(backend.records.at(-1)).toMatchObject({ port: 8000, method: "GET", path: "/hello" });
  });

  it("refuses a private port without credentials, telling how to sign in", async () => {
    const r = await curl(hostOf(8000, "priv"), "/");
    expect(r.status).toBe(401);
    expect(r.body).toBe('puck: sign in with `puck open priv 8000` (a browser), or send a token from `puck url priv 8000 --token` as "Authorization: Bearer TOKEN".\n');
  });

  it("answers an unknown Sprite, an undeclared port and a wrong host exactly as a missing sign-in", async () => {
    const missing = await curl(hostOf(8000, "priv"), "/");
    // The same words, with the NAME and PORT the host names (or placeholders for a host that names none).
    const shape = (r: CurlResult) => ({ status: r.status, headers: header(r, "www-authenticate"), body: r.body.replace(/(open|url) \S+ \S+( --token)?`/g, "$1 X$2`") });
    for (const r of [await curl(hostOf(8000, "nosuch"), "/"), await curl(hostOf(7000, "priv"), "/"), await curl("example.org", "/"), await curl(hostOf(8000, "priv", "default").replace(DOMAIN, "evil.example"), "/")]) {
      expect(shape(r)).toEqual(shape(missing));
    }
    expect((await curl(hostOf(8000, "nosuch"), "/")).body).toContain("`puck open nosuch 8000`");
  });
});

describe("tokens", () => {
  it("lets a token through as a Bearer and as basic auth's password, and the app sees neither", async () => {
    const { credential } = addToken("priv", "token");
    const bearer = await curl(hostOf(8000, "priv"), "/t", ["-H", `Authorization: Bearer ${credential}`]);
    expect(bearer.status).toBe(200);
    expect((JSON.parse(bearer.body) as { headers: IncomingHttpHeaders }).headers.authorization).toBeUndefined();
    const basic = await curl(hostOf(8000, "priv"), "/t", ["-u", `git:${credential}`]);
    expect(basic.status).toBe(200);
    expect((JSON.parse(basic.body) as { headers: IncomingHttpHeaders }).headers.authorization).toBeUndefined();
  });

  it("passes the app's own Authorization through untouched", async () => {
    const r = await curl(hostOf(8000, "pub"), "/", ["-H", "Authorization: Bearer app-secret"]);
    expect((JSON.parse(r.body) as { headers: IncomingHttpHeaders }).headers.authorization).toBe("Bearer app-secret");
  });

  it("refuses a deleted (revoked) token, another Sprite's token and a code used as a token", async () => {
    const { credential, name } = addToken("priv", "token");
    expect((await curl(hostOf(8000, "priv"), "/", ["-H", `Authorization: Bearer ${credential}`])).status).toBe(200);
    backend.tokens.delete(`default/${name}`);
    expect((await curl(hostOf(8000, "priv"), "/", ["-H", `Authorization: Bearer ${credential}`])).status).toBe(401);
    const others = addToken("other", "token");
    expect((await curl(hostOf(8000, "priv"), "/", ["-H", `Authorization: Bearer ${others.credential}`])).status).toBe(401);
    const code = addToken("priv", "code");
    expect((await curl(hostOf(8000, "priv"), "/", ["-H", `Authorization: Bearer ${code.credential}`])).status).toBe(401);
  });

  it("tells someone with credentials, and only them, that the Sprite serves no URL on a port", async () => {
    const { credential } = addToken("priv", "token");
    const r = await curl(hostOf(7000, "priv"), "/", ["-H", `Authorization: Bearer ${credential}`]);
    expect([r.status, r.body]).toEqual([404, "puck: Sprite priv serves no URL on port 7000: `puck url add priv 7000` adds one.\n"]);
  });
});

describe("puck open's code, traded for a cookie", () => {
  it("trades a code on a page load for a host-only cookie and a redirect without the code; the app then sees neither cookie, token nor code", async () => {
    const { credential } = addToken("priv", "code");
    const traded = await curl(hostOf(8000, "priv"), `/page?x=1&puck_code=${credential}&y=2`, NAVIGATE);
    expect(traded.status).toBe(303);
    expect(header(traded, "location")).toBe("/page?x=1&y=2");
    const cookie = header(traded, "set-cookie")!;
    expect(cookie).toMatch(/^puck_session=[^;]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    const session = cookie.split(";")[0]!;
    const before = seen.length;
    const r = await curl(hostOf(8000, "priv"), "/page?x=1&y=2", [...NAVIGATE, "-H", `Cookie: app=1; ${session}; theme=dark`]);
    expect(r.status).toBe(200);
    const got = seen.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.headers.cookie).toBe("app=1; theme=dark");
    expect(got[0]!.url).toBe("/page?x=1&y=2");
    expect(JSON.stringify(got[0]!.headers)).not.toContain("puck_");
  });

  it("refuses a code used before, and an expired one, saying the code is used up or expired", async () => {
    const { credential } = addToken("priv", "code");
    expect((await curl(hostOf(8000, "priv"), `/?puck_code=${credential}`, NAVIGATE)).status).toBe(303);
    const again = await curl(hostOf(8000, "priv"), `/?puck_code=${credential}`, NAVIGATE);
    expect(again.status).toBe(401);
    expect(again.body).toContain("this sign-in code is used up or expired");
    expect(header(again, "set-cookie")).toBeUndefined();
    const expired = addToken("priv", "code", { expiresInS: -1 });
    expect((await curl(hostOf(8000, "priv"), `/?puck_code=${expired.credential}`, NAVIGATE)).status).toBe(401);
  });

  it("refuses this cookie on another Sprite's host", async () => {
    const { credential } = addToken("priv", "code");
    const session = header(await curl(hostOf(8000, "priv"), `/?puck_code=${credential}`, NAVIGATE), "set-cookie")!.split(";")[0]!;
    expect((await curl(hostOf(8000, "priv"), "/", ["-H", `Cookie: ${session}`])).status).toBe(200);
    expect((await curl(hostOf(8000, "other"), "/", ["-H", `Cookie: ${session}`])).status).toBe(401);
  });
});

describe("hibernated Sprites", () => {
  it("holds an API client's request while the Sprite wakes, then answers it from the app", async () => {
    let done = false;
    const request = curl(hostOf(8000, "sleepy"), "/held").then((r) => ((done = true), r));
    await waitFor(() => backend.wakes.includes("default/sleepy"), { what: "the request to wake sleepy", timeoutMs: 10_000 });
    expect(done).toBe(false);
    backend.finishWakes();
    const r = await request;
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { url: string }).url).toBe("/held");
  });

  it("shows a page load the waiting page, which reloads itself every second, while the Sprite wakes", async () => {
    const r = await curl(hostOf(8000, "napping"), "/", NAVIGATE);
    expect(r.status).toBe(503);
    expect(header(r, "content-type")).toBe("text/html; charset=utf-8");
    expect(r.body).toContain('<meta http-equiv="refresh" content="1">');
    expect(r.body).toMatch(/Waking napping… \d+\.\d s/);
    expect(backend.wakes).toContain("default/napping");
    backend.finishWakes();
    await waitFor(async () => (await curl(hostOf(8000, "napping"), "/", NAVIGATE)).status === 200, { what: "napping to be served after its wake", timeoutMs: 10_000 });
  });

  it("does not wake a Sprite for a page's background request or a browser's WebSocket: 503 with Retry-After", async () => {
    const r = await curl(hostOf(8000, "dozing"), "/poll", ["-H", "Sec-Fetch-Mode: cors", "-H", "Origin: https://x.example"]);
    expect([r.status, header(r, "retry-after")]).toEqual([503, "10"]);
    expect(r.body).toBe("puck: Sprite dozing is hibernating; only a page load or an API client wakes it, not a page's background request.\n");
    const ws = await curl(hostOf(8000, "dozing"), "/ws", ["-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Origin: https://x.example", "-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]);
    expect(ws.status).toBe(503);
    expect(backend.wakes).not.toContain("default/dozing");
  });

  it("says why a Sprite cannot start, in the operator's words", async () => {
    const r = await curl(hostOf(8000, "broken"), "/");
    expect([r.status, r.body]).toEqual([503, "puck: Sprite broken cannot start: its home volume lives on node b, which is not ready\n"]);
    const page = await curl(hostOf(8000, "broken"), "/", NAVIGATE);
    expect(page.body).toContain("Sprite broken cannot start: its home volume lives on node b");
  });
});

describe("the app's cookies", () => {
  it("stay on its own URL: a Domain attribute is dropped, the rest kept", async () => {
    const r = await curl(hostOf(8000, "pub"), "/toss");
    expect(r.status).toBe(200);
    expect(r.headers.split("\r\n").filter((line) => /^set-cookie:/i.test(line))).toEqual(["set-cookie: sid=evil; Path=/", "set-cookie: x=1; Path=/", "set-cookie: theme=dark; Path=/"]);
  });
});

describe("the app's port", () => {
  it("says nothing listens on a port no server listens on, and what to do", async () => {
    const r = await curl(hostOf(9000, "empty"), "/");
    expect(r.status).toBe(502);
    expect(r.body).toContain("nothing listens on port 9000 in Sprite empty");
    expect(r.body).toContain("puck service add empty NAME --port 9000");
  });

  it("sends an awake Sprite's requests, one after another, on one kept connection to its port", async () => {
    const before = backend.connects.get("default/kept") ?? 0;
    for (let i = 0; i < 5; i++) expect((await curl(hostOf(8000, "kept"), `/kept-${i}`)).status).toBe(200);
    // Each curl is a new connection to the gateway; the forward to the Sprite is opened once.
    expect((backend.connects.get("default/kept") ?? 0) - before).toBe(1);
  });

  it("sends a request again on a fresh connection when the app closes the kept one as it is reused", async () => {
    expect((await curl(hostOf(8000, "kept"), "/warm")).status).toBe(200);
    const before = backend.connects.get("default/kept") ?? 0;
    dropOnce.add("/dropped");
    const r = await curl(hostOf(8000, "kept"), "/dropped");
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body).url).toBe("/dropped");
    expect(seen.filter((x) => x.url === "/dropped")).toHaveLength(2);
    expect((backend.connects.get("default/kept") ?? 0) - before).toBe(1);
  });

  it("streams a 200 MiB download through", async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "-H", `Host: ${hostOf(8000, "pub")}`, `http://127.0.0.1:${port}/big`], (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(out).toBe(`200 ${BIG}`);
  });

  it("carries a program's WebSocket both ways, and closes it with 1001 and the reason when the Sprite ends it", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: hostOf(8000, "idle"), authorization: `Bearer ${addToken("idle", "token").credential}` } });
    const messages: string[] = [];
    ws.on("message", (data: Buffer) => messages.push(data.toString()));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.send("hello");
    await waitFor(() => messages.includes("echo:hello"), { what: "the echo", timeoutMs: 5000 });
    backend.sprites.get("default/idle")!.endsSessions = { cause: "Hibernated", text: "Sprite idle hibernated after its idle timeout, which ended the session; `puck connect idle` wakes it." } as never;
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
    ws.send("die");
    expect(await closed).toEqual({ code: 1001, reason: "Sprite idle hibernated after its idle timeout, which ended the session; `puck connect idle` wakes it." });
  });
});

describe("hostile input", () => {
  it("refuses oversized headers with 431", async () => {
    const r = await curl(hostOf(8000, "pub"), "/", ["-H", `X-Big: ${"a".repeat(20_000)}`]);
    expect(r.status).toBe(431);
  });

  it("refuses a request with both Content-Length and Transfer-Encoding with 400, and nothing reaches the app", async () => {
    const before = seen.length;
    const raw = [
      "POST / HTTP/1.1", `Host: ${hostOf(8000, "pub")}`, "Content-Length: 6", "Transfer-Encoding: chunked", "", "0", "", "GET /smuggled HTTP/1.1", `Host: ${hostOf(8000, "pub")}`, "", "",
    ].join("\r\n");
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.end(raw));
      let got = "";
      socket.on("data", (d: Buffer) => (got += d.toString()));
      socket.on("close", () => resolve(got));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(seen.slice(before)).toEqual([]);
  });

  it("logs no credentials, cookies or codes", () => {
    const all = lines.join("");
    expect(all).not.toMatch(/puck_(token|code)-|puck_session=/);
  });
});

describe("draining", () => {
  // Last: every earlier test's client is gone by now (curl exited, WebSockets closed), refused
  // upgrades and Sprite-ended WebSockets among them. A socket whose client went but that the gateway
  // never read to its end would keep a gateway being replaced draining its whole timeout (an hour).
  it("counts no connection once every client has gone, so a drain ends at once", async () => {
    await waitFor(() => gateway.connections === 0, { what: "the gateway to count no open connection", timeoutMs: 5_000, describe: () => `${gateway.connections} counted` });
    expect(await gateway.drain(60_000)).toEqual({ closed: 0 });
  });
});
