// The client's watch against a local HTTP server: every watch asks for bookmarks and only a caller
// that asked sees them; a silent watch ends with WatchSilent and, like a request past its deadline,
// closes the idle kept-alive connections that may have crossed the same dead link.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createKubeClient, type KubeClient } from "./client.js";
import { KubeError, LOCAL_REASON } from "./errors.js";

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** An HTTP server on 127.0.0.1 that counts its connections and answers each request with `handle`. */
async function apiServer(handle: Handler) {
  let connections = 0;
  const server = createServer((req, res) => handle(req, res, new URL(req.url ?? "/", "http://x")));
  server.on("connection", () => void (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, connections: () => connections };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const access = (server: string) => ({ server, namespace: "ns", insecure: false });
const line = (type: string, name: string, rv: string) => `${JSON.stringify({ type, object: { metadata: { name, resourceVersion: rv } } })}\n`;
const list = (res: ServerResponse) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ metadata: { resourceVersion: "1" }, items: [] }));

/** Leaves two kept-alive connections idle: one for the watch (or request) that follows, one left waiting. */
async function keptAlive(client: KubeClient, path: string) {
  await client.request("GET", path); // the first request makes the client's connection pool
  await Promise.all([client.request("GET", path), client.request("GET", path)]);
}

describe("client.watch", () => {
  it("asks for bookmarks on every watch, and hands them on only to a caller that asked", async () => {
    const asked: string[] = [];
    const api = await apiServer((_req, res, url) => {
      asked.push(url.searchParams.get("allowWatchBookmarks") ?? "(none)");
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(line("BOOKMARK", "", "5") + line("ADDED", "a", "6"));
    });
    const client = createKubeClient(access(api.url));
    const watch = async (query: Record<string, string | boolean | undefined>) => {
      const types: string[] = [];
      await client.watch("/api/v1/namespaces/ns/configmaps", query, (e) => void types.push(e.type), new AbortController().signal);
      return types;
    };
    expect(await watch({ resourceVersion: "4" })).toEqual(["ADDED"]);
    expect(await watch({ resourceVersion: "4", allowWatchBookmarks: true })).toEqual(["BOOKMARK", "ADDED"]);
    expect(await watch({ resourceVersion: "4", allowWatchBookmarks: false })).toEqual(["BOOKMARK", "ADDED"]);
    expect(asked).toEqual(["true", "true", "false"]);
  });

  it("ends a watch that goes silent with WatchSilent, and the next request opens a new connection", async () => {
    const api = await apiServer((req, res, url) => {
      if (url.searchParams.get("watch") !== "true") return list(res);
      // Headers and one event, then nothing, the connection left open: a dead link.
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(line("ADDED", "a", "6"));
      req.on("close", () => res.destroy());
    });
    const client = createKubeClient(access(api.url));
    const path = "/api/v1/namespaces/ns/configmaps";
    await keptAlive(client, path);
    expect(api.connections()).toBe(2);
    const events: string[] = [];
    const error = await client
      .watch(path, { resourceVersion: "1" }, (e) => void events.push(e.type), new AbortController().signal, { silenceMs: 200 })
      .catch((e: unknown) => e);
    expect(events).toEqual(["ADDED"]);
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).reason).toBe(LOCAL_REASON.watchSilent);
    await client.request("GET", path);
    expect(api.connections()).toBe(3);
  });

  it("a request past its deadline closes the idle kept-alive connections too", async () => {
    const api = await apiServer((_req, res, url) => {
      if (url.pathname.endsWith("/never")) return; // no answer
      list(res);
    });
    const client = createKubeClient(access(api.url), { timeoutMs: 200 });
    const path = "/api/v1/namespaces/ns/configmaps";
    await keptAlive(client, path);
    expect(api.connections()).toBe(2);
    const error = await client.request("GET", `${path}/never`).catch((e: unknown) => e);
    expect((error as KubeError).reason).toBe(LOCAL_REASON.timeout);
    await client.request("GET", path);
    expect(api.connections()).toBe(3);
  });
});
