// puck url, puck open and create --http with the real operator (run with --url-domain): the URLs the
// operator writes, ports added and removed, tokens made, listed and revoked, sign-in codes, and the
// one-line refusals. The gateway's side of URLs is e2e/gateway/. Run: npm run test:cluster -- e2e/cli/url
// @needs: cluster-alongside
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { kubectl } from "../lib/cluster.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { puck } from "../lib/puck-cli.js";
import { readSprite } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";

const DOMAIN = "sprites.test";
const ns = useOperatorNamespace("url", { args: ["--url-domain", DOMAIN] });
const run = (args: string[]) => puck(["-n", ns.name, ...args]);
const urlOf = (port: number, name: string) => `http://${port}-${name}--${ns.name}.${DOMAIN}/`;

interface TokenObject {
  metadata: { name: string; ownerReferences?: { name: string; uid: string }[] };
  spec: { sprite: string; port?: number; purpose: string; sha256: string; expiresAt: string };
}
const tokens = async (): Promise<TokenObject[]> => JSON.parse((await kubectl(["get", "spritetokens", "-n", ns.name, "-o", "json"])).stdout).items;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function urlsWritten(name: string, count: number) {
  await waitFor(async () => ((await readSprite(ns.name, name)).status?.http ?? []).filter((h) => h.url || h.message).length === count, {
    what: `the operator to write ${count} URL entries for Sprite ${name}`,
    timeoutMs: 30_000,
    describe: async () => JSON.stringify((await readSprite(ns.name, name)).status?.http),
  });
}

describe("Sprite URLs from the CLI", () => {
  it("create --http declares ports, and the operator writes their URLs into the status", async () => {
    const created = await run(["create", "web", "--http", "8000:public", "--http", "3000", "--no-wait", "--memory", "64Mi"]);
    expect(created.code, created.stderr).toBe(0);
    expect((await readSprite(ns.name, "web")).spec.http).toEqual([{ port: 8000, public: true }, { port: 3000 }]);
    await urlsWritten("web", 2);
    expect((await readSprite(ns.name, "web")).status?.http).toEqual([
      { port: 8000, public: true, url: urlOf(8000, "web") },
      { port: 3000, public: false, url: urlOf(3000, "web") },
    ]);
  });

  it("url lists them, prints one for scripts; list -o wide and describe show them", async () => {
    const table = await run(["url", "web"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^PORT\s+ACCESS\s+URL\n8000\s+public\s+\S+8000-web--\S+\n3000\s+private\s+\S+3000-web--/);
    const one = await run(["url", "web", "3000"]);
    expect(one.stdout).toBe(`${urlOf(3000, "web")}\n`);
    expect((await run(["list", "-o", "wide"])).stdout).toContain(`${urlOf(8000, "web")} +1`);
    const describe = (await run(["describe", "web"])).stdout;
    expect(describe).toMatch(/URLs:\n\s+PORT\s+ACCESS\s+URL\n\s+8000\s+public\s+http:\/\/8000-web--/);
  });

  it("url --add and --remove change an existing Sprite's ports; the new URL is printed", async () => {
    const added = await run(["url", "web", "5173", "--add"]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toMatch(/serves port 5173 over HTTP \(private: `puck open web 5173`/);
    expect(added.stdout).toBe(`${urlOf(5173, "web")}\n`);
    const opened = await run(["url", "web", "5173", "--public"]);
    expect(opened.code, opened.stderr).toBe(0);
    expect((await readSprite(ns.name, "web")).spec.http).toContainEqual({ port: 5173, public: true });
    const removed = await run(["url", "web", "5173", "--remove"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await readSprite(ns.name, "web")).spec.http?.map((p) => p.port)).toEqual([8000, 3000]);
    await urlsWritten("web", 2);
  });

  it("url --token makes a token only its hash is kept of; --tokens lists it, --revoke deletes it", async () => {
    const made = await run(["url", "web", "3000", "--token", "--expires", "2h"]);
    expect(made.code, made.stderr).toBe(0);
    const credential = made.stdout.trim();
    const match = /^puck_(token-[a-z0-9]{10})_([A-Za-z0-9_-]{43})$/.exec(credential);
    expect(match, credential).not.toBeNull();
    const [, name, secret] = match!;
    expect(made.stderr).toContain(`puck url web --revoke ${name}`);
    const token = (await tokens()).find((t) => t.metadata.name === name)!;
    expect(token.spec).toMatchObject({ sprite: "web", port: 3000, purpose: "token", sha256: sha256(secret!) });
    expect(JSON.stringify(token)).not.toContain(secret);
    const sprite = await readSprite(ns.name, "web");
    expect(token.metadata.ownerReferences).toEqual([expect.objectContaining({ name: "web", uid: sprite.metadata.uid })]);
    const expiresIn = Date.parse(token.spec.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(110 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(120 * 60_000);

    const listed = await run(["url", "web", "--tokens"]);
    expect(listed.stdout).toMatch(new RegExp(`^${name}\\s+3000\\s+token\\s+in (1h5\\dm|2h)\\s+puck url --token by `, "m"));
    const revoked = await run(["url", "web", "--revoke", name!]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await tokens()).map((t) => t.metadata.name)).not.toContain(name);
    const again = await run(["url", "web", "--revoke", name!]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^error: Sprite web has no token ${name}\\nhint: list them: puck url web --tokens\\n$`));
  });

  it("open --no-browser prints the URL with a single-use code for a private port, the bare URL for a public one", async () => {
    const priv = await run(["open", "web", "3000", "--no-browser"]);
    expect(priv.code, priv.stderr).toBe(0);
    const address = new URL(priv.stdout.trim());
    expect(`${address.origin}/`).toBe(urlOf(3000, "web"));
    const code = address.searchParams.get("puck_code")!;
    const name = /^puck_(code-[a-z0-9]{10})_/.exec(code)?.[1];
    const made = (await tokens()).find((t) => t.metadata.name === name);
    expect(made?.spec).toMatchObject({ sprite: "web", port: 3000, purpose: "code" });
    expect(Date.parse(made!.spec.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
    const pub = await run(["open", "web", "8000", "--no-browser"]);
    expect(pub.stdout).toBe(`${urlOf(8000, "web")}\n`);
  });

  it("refuses bad input in one line with the fix, and says why a port has no URL", async () => {
    const badPort = await run(["url", "web", "70000", "--add"]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/^error: "70000" is not a port\nhint: give a TCP port between 1 and 65535, e.g. 3000\n$/);
    const badFlag = await run(["create", "bad", "--http", "web"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/^error: --http "web" is not a port: use PORT or PORT:public/);
    const notServed = await run(["open", "web", "9000", "--no-browser"]);
    expect(notServed.code).toBe(2);
    expect(notServed.stderr).toMatch(/^error: Sprite web does not serve port 9000 over HTTP\nhint: declare it first: puck url web 9000 --add/);

    expect((await run(["create", "a--b", "--http", "3000", "--no-wait", "--memory", "64Mi"])).code).toBe(0);
    await urlsWritten("a--b", 1);
    const why = await run(["url", "a--b", "3000"]);
    expect(why.code).toBe(1);
    expect(why.stderr).toMatch(/^error: port 3000 of Sprite a--b has no URL: the Sprite's name holds "--"/);
  });
});
