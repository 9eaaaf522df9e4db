// Sprite URLs as a user reaches them: through the cluster's ingress (Traefik, as k3s ships it, on
// the node's port 80) to the installed gateway, with curl and a real browser (Chromium's headless
// shell), against a Sprite whose web app (e2e/fixtures/web-app.py) is one of its services. The
// operator runs with a short idle timeout (--idle-timeout-scale) so hibernation is seen in seconds.
// Screenshots: test-results/screenshots/urls-*.png.
// @needs: cluster
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../lib/bundles.js";
import { launchBrowser, type TestBrowser } from "../lib/browser.js";
import { kubectl } from "../lib/cluster.js";
import { URL_DOMAIN, ingressAddress, installPuck, stopInClusterOperator } from "../lib/install.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { puck } from "../lib/puck-cli.js";
import { podGone, readSprite, spritePhase } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";

const MINUTE = 60_000;
// idleTimeoutMinutes 1 lasts 6 s.
const ns = useOperatorNamespace("urls-journey", { args: ["--url-domain", URL_DOMAIN, "--idle-timeout-scale", "0.1"] });
const run = (args: string[], input?: string) => puck(["-n", ns.name, ...args], { timeoutMs: 4 * MINUTE, ...(input !== undefined ? { input } : {}) });
const APP = 8000;
const FILES = 8001;
const host = (port: number, sprite = "app") => `${port}-${sprite}--${ns.name}.${URL_DOMAIN}`;

let address = "";
let browser: TestBrowser;

interface CurlResult {
  status: number;
  headers: string;
  body: string;
  seconds: number;
}

/** curl as a user runs it: the URL's name resolved to the node (as a wildcard DNS record would), through the ingress. */
function curl(url: string, args: string[] = [], timeoutS = 180): Promise<CurlResult> {
  const name = new URL(url).hostname;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    execFile("curl", ["-sS", "-D", "-", "--max-time", String(timeoutS), "--resolve", `${name}:80:${address}`, ...args, url], { maxBuffer: 64 << 20, encoding: "latin1" }, (error, stdout, stderr) => {
      if (error && !stdout) return reject(new Error(`curl ${url}: ${stderr}`));
      const at = stdout.indexOf("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(stdout)?.[1]), headers: stdout.slice(0, at), body: stdout.slice(at + 4), seconds: (Date.now() - started) / 1000 });
    });
  });
}

const phase = () => spritePhase(ns.name, "app");

async function hibernate(): Promise<void> {
  const done = await run(["hibernate", "app", "--yes"]);
  expect(done.code, done.stderr).toBe(0);
  await asleep(2 * MINUTE);
}

async function asleep(timeoutMs: number): Promise<void> {
  await waitFor(async () => (await phase()) === "Hibernating" && (await podGone(ns.name, "app")), {
    what: "Sprite app hibernated, its pod gone",
    timeoutMs,
    describe: async () => JSON.stringify((await readSprite(ns.name, "app")).status, null, 1).slice(0, 3000),
  });
}

/** The Sprite's idle timeout (scaled by 0.1 here); not part of its pod's template: no restart. */
const setIdleTimeoutMinutes = (minutes: number) =>
  kubectl(["-n", ns.name, "patch", "sprite", "app", "--type=merge", "-p", JSON.stringify({ spec: { idleTimeoutMinutes: minutes } })]);

/** What the app's services printed (the web app logs each request's method and path). */
const appLog = async () => (await run(["logs", "app", "web", "--tail", "500"])).stdout;

beforeAll(async () => {
  // Installed as npm start installs it, URLs on; this file's operator (above) acts on its Sprites.
  await installPuck();
  await stopInClusterOperator();
  address = await ingressAddress();
  // The default idle timeout while it is set up: its first start seeds the system, which may take
  // longer than the 6 s the tests then give it (below).
  const created = await run(["create", "app", "--http", `${APP}`, "--http", `${FILES}:public`, "--memory", "128Mi", "--storage", "1Gi"]);
  expect(created.code, created.stderr).toBe(0);
  const copied = await run(["connect", "app", "--", "sh", "-c", "cat > web-app.py && mkdir -p files && echo hello from a Sprite > files/hello.txt"], readFileSync(join(ROOT, "e2e/fixtures/web-app.py"), "utf8"));
  expect(copied.code, copied.stderr).toBe(0);
  for (const [name, command] of [["web", ["--port", `${APP}`, "--", "python3", "web-app.py", `${APP}`]], ["files", ["--port", `${FILES}`, "--dir", "/home/sprite/files", "--", "python3", "-m", "http.server", `${FILES}`, "--bind", "127.0.0.1"]]] as const) {
    const added = await run(["service", "add", "app", name, ...command]);
    expect(added.code, added.stderr).toBe(0);
  }
  // 1 minute, which lasts 6 s here.
  await setIdleTimeoutMinutes(1);
  browser = await launchBrowser({ domain: URL_DOMAIN, address });
}, 8 * MINUTE);

const gatewayPods = async () => (await kubectl(["-n", "puck-system", "get", "pods", "-l", "app.kubernetes.io/name=puck-gateway", "-o", "name"])).stdout.trim();

afterAll(async () => {
  await browser?.close();
  // The last test drains the gateway; after a failure, the pod this file used goes now, so later
  // files start without it.
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-gateway", "--replicas=0"]).catch(() => undefined);
  if ((await gatewayPods().catch(() => "")) !== "") {
    await kubectl(["-n", "puck-system", "delete", "pods", "-l", "app.kubernetes.io/name=puck-gateway", "--grace-period=0", "--force"]).catch(() => undefined);
  }
});

describe("curl through the ingress", () => {
  it("to a hibernated Sprite's public URL is held while it wakes and its service starts, then answered by the server inside", async () => {
    await hibernate();
    const r = await curl(`http://${host(FILES)}/hello.txt`);
    expect(r.status, `${r.headers}\n${r.body}`).toBe(200);
    expect(r.body).toBe("hello from a Sprite\n");
    // Answered by the server inside: the Sprite is up (its phase may say Active a moment later).
    expect(await phase()).not.toBe("Hibernating");
    console.log(`first byte from hibernation through the URL: ${r.seconds.toFixed(1)} s`);
  }, 4 * MINUTE);

  it("to a private URL is refused without credentials; puck url --token lets it in, without the token reaching the app; a revoked token is refused", async () => {
    const url = `http://${host(APP)}/api/headers`;
    const refused = await curl(url);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatch(/puck .*open app 8000/);
    const made = await run(["url", "app", `${APP}`, "--token"]);
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    const name = /^puck_(token-[a-z0-9]{10})_/.exec(token)![1]!;
    const r = await curl(url, ["-H", `Authorization: Bearer ${token}`, "-H", "Cookie: theme=dark"]);
    expect(r.status, r.body).toBe(200);
    // Header names as the app received them, in lower case (HTTP's are case-insensitive).
    const seen = Object.fromEntries(Object.entries(JSON.parse(r.body) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    expect(seen.host).toBe(host(APP));
    expect(seen.authorization).toBeUndefined();
    expect(seen.cookie).toBe("theme=dark");
    expect(seen["x-forwarded-host"]).toBe(host(APP));
    expect((await curl(url, ["-u", `git:${token}`])).status).toBe(200);
    expect((await run(["url", "app", "--revoke", name])).code).toBe(0);
    const revoked = await curl(url, ["-H", `Authorization: Bearer ${token}`]);
    expect(revoked.status).toBe(401);
  }, 4 * MINUTE);

  it("keeps the Sprite awake through a long download past its idle timeout (6 s here), and lets it sleep after", async () => {
    const token = (await run(["url", "app", `${APP}`, "--token"])).stdout.trim();
    // Awake first: the download, not the wake, is what is measured.
    expect((await curl(`http://${host(APP)}/api/ping`, ["-H", `Authorization: Bearer ${token}`])).status).toBe(200);
    await waitFor(async () => (await phase()) === "Active", { what: "Sprite app Active", timeoutMs: MINUTE });
    const phases = new Set<string>();
    let downloading = true;
    const sampling = (async () => {
      while (downloading) {
        phases.add(String(await phase()));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    // 24 MiB at 768 KiB/s: about 32 s nominally (curl's limit runs ahead: 19.5 s once in CI), at
    // least twice the idle timeout.
    const download = await curl(`http://${host(APP)}/big?mib=24`, ["-H", `Authorization: Bearer ${token}`, "--limit-rate", "768K", "-o", "/dev/null", "-w", "%{size_download}"]);
    downloading = false;
    await sampling;
    expect(download.status, download.headers).toBe(200);
    expect(download.body).toBe(String(24 << 20));
    expect(download.seconds).toBeGreaterThan(12);
    expect([...phases]).toEqual(["Active"]);
    await asleep(2 * MINUTE);
  }, 5 * MINUTE);

  it("refuses hostile requests at the ingress or the gateway, and nothing reaches the app", async () => {
    const url = `http://${host(FILES)}/smuggled-probe`;
    const oversized = await curl(url, ["-H", `X-Big: ${"a".repeat(20_000)}`]);
    expect([400, 431]).toContain(oversized.status);
    // Traefik refuses it itself (Go's server: 501 for the conflicting framing) or the gateway does
    // (400, e2e/gateway/http-layer.test.ts): either way it is answered with an error, never passed on.
    const smuggled = await curl(url, ["-X", "POST", "-H", "Content-Length: 4", "-H", "Transfer-Encoding: chunked", "--data-binary", "0\r\n\r\n"]);
    expect(smuggled.status, smuggled.headers).toBeGreaterThanOrEqual(400);
    const other = await run(["create", "other", "--http", `${APP}`, "--no-wait", "--memory", "64Mi", "--storage", "1Gi"]);
    expect(other.code, other.stderr).toBe(0);
    expect((await curl(`http://${host(APP, "nosuch")}/`)).status).toBe(401);
    expect(await appLog()).not.toContain("smuggled-probe");
  }, 3 * MINUTE);
});

describe("a browser through the ingress", () => {
  let page: Page;

  it("opens a private URL with puck open's code: the waiting page while the Sprite wakes, then the app, whose WebSocket echoes", async () => {
    await hibernate();
    const opened = await run(["open", "app", `${APP}`, "--no-browser"]);
    expect(opened.code, opened.stderr).toBe(0);
    const withCode = opened.stdout.trim();
    page = await browser.page();
    const responses: string[] = [];
    page.on("response", (r) => responses.push(`${r.status()} ${r.url().replace(/puck_code=[^&]+/, "puck_code=…")}`));
    const seenTitles: string[] = [];
    page.on("load", () => void page.title().then((t) => seenTitles.push(t), () => undefined));
    await page.goto(withCode);
    expect(new URL(page.url()).searchParams.get("puck_code"), `${responses.join("\n")}\n${await page.content()}`).toBeNull();
    await waitFor(async () => seenTitles.some((t) => /Waking app/.test(t)) || (await page.title()) === "web-app", { what: "the waiting page or the app", timeoutMs: 30_000, describe: () => seenTitles.join(" | ") });
    if (seenTitles.some((t) => /Waking app/.test(t))) await browser.screenshot(page, "urls-1-waking");
    await waitFor(async () => (await page.locator("#echo").textContent().catch(() => "")) === "echo: hello", {
      what: "the app's page, its WebSocket echoing through the URL",
      timeoutMs: 3 * MINUTE,
      describe: async () => `titles: ${seenTitles.join(" | ")}; now: ${await page.content().catch(() => "?")}`,
    });
    await browser.screenshot(page, "urls-2-app");
    expect(seenTitles.some((t) => /Waking app/.test(t)), seenTitles.join(" | ")).toBe(true);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "puck_session");
    expect(session).toMatchObject({ domain: host(APP), httpOnly: true, path: "/" });
    // The same cookie on another Sprite's host is refused.
    const elsewhere = await curl(`http://${host(APP, "other")}/`, ["-H", `Cookie: puck_session=${session!.value}`]);
    expect(elsewhere.status).toBe(401);
    // A cookie the app sets for the whole domain stays on its own host (the gateway drops Domain):
    // the browser would send a domain cookie to every other Sprite's URL.
    // (In a second tab of the same browser: this one stays on the app for the next test.)
    const tab = await page.context().newPage();
    await tab.goto(new URL(`/toss?domain=${URL_DOMAIN}`, page.url()).href);
    await tab.close();
    expect((await page.context().cookies()).find((c) => c.name === "tossed")).toMatchObject({ domain: host(APP), value: "1" });
    // The code was used: a second trade is refused.
    const reused = await curl(withCode, ["-H", "Sec-Fetch-Mode: navigate"]);
    expect(reused.status).toBe(401);
  }, 5 * MINUTE);

  it("leaves an idle open tab's Sprite to hibernate; its WebSocket closes with the reason, its reconnects do not wake it, a reload does", async () => {
    await asleep(2 * MINUTE);
    await waitFor(async () => /^closed 1001 /.test((await page.locator("#state").textContent()) ?? ""), {
      what: "the page's WebSocket closed with 1001 and the reason",
      timeoutMs: 30_000,
      describe: async () => String(await page.locator("#state").textContent()),
    });
    expect(await page.locator("#state").textContent()).toMatch(/hibernated/);
    const before = Number(await page.locator("#attempts").textContent());
    await waitFor(async () => Number(await page.locator("#attempts").textContent()) >= before + 5, { what: "five reconnect attempts by the page", timeoutMs: 30_000 });
    expect(await phase()).toBe("Hibernating");
    expect(await podGone(ns.name, "app")).toBe(true);
    await browser.screenshot(page, "urls-3-hibernated-tab");
    await page.reload();
    await waitFor(async () => (await page.locator("#echo").textContent().catch(() => "")) === "echo: hello", {
      what: "the app again after a reload woke the Sprite",
      timeoutMs: 3 * MINUTE,
      describe: async () => page.content().catch(() => "?"),
    });
    expect(await phase()).toBe("Active");
    await browser.screenshot(page, "urls-4-reloaded");
  }, 5 * MINUTE);
});

// The gateway's in-cluster logs never hold a credential.
it("the gateway logged no token, code or cookie", async () => {
  const logs = (await kubectl(["-n", "puck-system", "logs", "deployment/puck-gateway", "--tail", "2000"])).stdout;
  expect(logs).not.toMatch(/puck_(token|code)-[a-z0-9]{10}_/);
  expect(logs).not.toMatch(/puck_session=/);
});

// A gateway being replaced (an upgrade, a node drain) waits for its connections to end, up to an
// hour: once the browser is gone, none may be left. A WebSocket the Sprite ended used to leave the
// browser's socket unread, its end never seen, and the pod draining for the hour.
it("a gateway pod being replaced, once the browser has closed, finishes its drain at once", async () => {
  await browser.close();
  const [pod] = (await gatewayPods()).split("\n");
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-gateway", "--replicas=0"]);
  await waitFor(async () => (await gatewayPods()) === "", {
    what: "the gateway's pod to finish draining",
    timeoutMs: 30_000,
    describe: async () => (await kubectl(["-n", "puck-system", "logs", pod!, "--tail", "5"]).catch((e: Error) => ({ stdout: e.message }))).stdout,
  });
}, MINUTE);
