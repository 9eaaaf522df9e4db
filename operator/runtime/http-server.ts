// The operator's HTTP endpoints (/healthz and /readyz for probes, /metrics for Prometheus), from the routes main.ts gives.
import http from "node:http";
import type { AddressInfo } from "node:net";

/** Host and port from ":8080", "127.0.0.1:0" or "0" (the port alone). */
export function parseBindAddress(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(":");
  const host = i > 0 ? text.slice(0, i) : "0.0.0.0";
  const port = Number(i >= 0 ? text.slice(i + 1) : text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`"${text}" is not a bind address such as :8080.`);
  return { host, port };
}

export type Routes = Record<string, () => { status: number; body: string; contentType?: string }>;

/** Serves `routes` on `address`; resolves with the bound port once listening. */
export async function serve(address: string, routes: Routes): Promise<{ port: number; close: () => Promise<void> }> {
  const { host, port } = parseBindAddress(address);
  const server = http.createServer((req, res) => {
    const route = routes[(req.url ?? "/").split("?")[0]!];
    if (!route || req.method !== "GET") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    try {
      const { status, body, contentType } = route();
      res.writeHead(status, { "Content-Type": contentType ?? "text/plain; charset=utf-8" }).end(body);
    } catch (error) {
      res.writeHead(500, { "Content-Type": "text/plain" }).end(`${String(error)}\n`);
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(new Error(`listen on ${address} (choose another address with the --*-bind-address flags)`, { cause: error })));
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
