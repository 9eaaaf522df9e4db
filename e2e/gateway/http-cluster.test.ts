// Sprite URLs on the real cluster: the gateway, run here as a process with a URL domain, wakes a
// hibernated Sprite for a held curl request and answers it from python's file server inside the
// Sprite (a service bound to 127.0.0.1, reached through the pod's port-forward); a private port
// refuses a request without credentials and lets one with a SpriteToken through; a code from
// `puck open` is used up by its first trade (the SpriteToken is deleted).
// @needs: cluster-alongside
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newCredential, type TokenPurpose } from "../../operator/api/access-token.js";
import { kubectl } from "../lib/cluster.js";
import { startGatewayProcess, type GatewayProcess } from "../lib/gateway-process.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { createSprite, describeSprite, getObject, getSprite, patchSpec, spritePhase, waitAsleep } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";

const DOMAIN = "sprites.test.example";
// The real agent: it runs the Sprite's services at every wake.
const ns = useOperatorNamespace("urls", { agentImage: process.env.PUCK_AGENT_IMAGE ?? "puck-agent:dev" });
let gateway: GatewayProcess;

const fileServer = (name: string, port: number) => ({ name, command: ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1"], port });
const host = (port: number) => `${port}-web--${ns.name}.${DOMAIN}`;

interface CurlResult {
  status: number;
  headers: string;
  body: string;
}

function curl(hostHeader: string, path: string, args: string[] = [], timeoutS = 150): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "-D", "-", "--max-time", String(timeoutS), "-H", `Host: ${hostHeader}`, ...args, `http://127.0.0.1:${gateway.httpPort}${path}`], (error, stdout, stderr) => {
      if (error && !stdout) return reject(new Error(`curl: ${stderr}`));
      const at = stdout.indexOf("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(stdout)?.[1]), headers: stdout.slice(0, at), body: stdout.slice(at + 4) });
    });
  });
}

/** A SpriteToken made as `puck open` / `puck url --token` make it, with kubectl; its credential. */
async function makeToken(purpose: TokenPurpose, port: number): Promise<{ name: string; credential: string }> {
  const made = newCredential(purpose);
  const manifest = {
    apiVersion: "puck.sandwich.labs/v1alpha1",
    kind: "SpriteToken",
    metadata: { name: made.name, namespace: ns.name },
    spec: { sprite: "web", port, purpose, sha256: made.sha256, expiresAt: new Date(Date.now() + 600_000).toISOString(), description: "e2e" },
  };
  await kubectl(["create", "-f", "-"], { input: JSON.stringify(manifest) });
  return { name: made.name, credential: made.credential };
}

beforeAll(async () => {
  await createSprite(ns.name, "web", {
    http: [{ port: 8000, public: true }, { port: 8001 }],
    services: [fileServer("files", 8000), fileServer("private", 8001)],
  });
  await waitFor(async () => (await spritePhase(ns.name, "web")) === "Active", { timeoutMs: 180_000, what: "Sprite web to be Active", describe: () => describeSprite(ns.name, "web") });
  await patchSpec(ns.name, "web", { hibernateRequestedAt: new Date().toISOString() });
  await waitAsleep(ns.name, "web", 120_000);
  gateway = await startGatewayProcess(ns.name, undefined, { urlDomain: DOMAIN });
}, 400_000);

afterAll(async () => {
  await gateway?.stop();
});

describe("a hibernated Sprite's public URL", () => {
  it("holds a curl request while the Sprite wakes and its service starts, then answers it from the file server inside", async () => {
    const started = Date.now();
    const r = await curl(host(8000), "/");
    expect(r.status, `${r.headers}\n${r.body}\n${gateway.log().slice(-3000)}`).toBe(200);
    expect(r.body).toContain("Directory listing for /");
    // Answered from inside: the Sprite is up (its phase may say Active a moment after the answer).
    expect(await spritePhase(ns.name, "web")).not.toBe("Hibernating");
    expect(gateway.log()).toContain('"msg":"Waking"');
    // The gateway records the request in the Sprite's status.
    await waitFor(async () => (await getSprite(ns.name, "web"))?.status?.lastHTTPRequest?.path === "/", { what: "status.lastHTTPRequest", timeoutMs: 30_000, describe: () => getSprite(ns.name, "web").then((s) => s?.status?.lastHTTPRequest) });
    expect(Date.parse((await getSprite(ns.name, "web"))!.status!.lastHTTPRequest!.time!)).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
  }, 240_000);
});

describe("a private URL", () => {
  it("refuses a request without credentials, and lets one with a SpriteToken through", async () => {
    const refused = await curl(host(8001), "/");
    expect(refused.status).toBe(401);
    expect(refused.body).toContain(`\`puck -n ${ns.name} open web 8001\``);
    const { credential, name } = await makeToken("token", 8001);
    const r = await curl(host(8001), "/", ["-H", `Authorization: Bearer ${credential}`]);
    expect(r.status, r.body).toBe(200);
    expect(r.body).toContain("Directory listing for /");
    await kubectl(["-n", ns.name, "delete", "spritetoken", name]);
    expect((await curl(host(8001), "/", ["-H", `Authorization: Bearer ${credential}`])).status).toBe(401);
  }, 240_000);

  it("trades a code once for a cookie that then opens the URL; the code's SpriteToken is gone", async () => {
    const { credential, name } = await makeToken("code", 8001);
    const traded = await curl(host(8001), `/?puck_code=${credential}`, ["-H", "Sec-Fetch-Mode: navigate"]);
    expect(traded.status, traded.body).toBe(303);
    const cookie = /^set-cookie: (puck_session=[^;]+)/im.exec(traded.headers)?.[1];
    expect(cookie).toBeDefined();
    expect(await getObject("spritetokens.puck.sandwich.labs", ns.name, name)).toBeUndefined();
    const again = await curl(host(8001), `/?puck_code=${credential}`, ["-H", "Sec-Fetch-Mode: navigate"]);
    expect(again.status).toBe(401);
    const r = await curl(host(8001), "/", ["-H", "Sec-Fetch-Mode: navigate", "-H", `Cookie: ${cookie}`]);
    expect(r.status, r.body).toBe(200);
    expect(r.body).toContain("Directory listing for /");
  }, 240_000);
});
