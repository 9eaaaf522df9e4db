// The operator's HTTP endpoints: /healthz and /readyz for probes, /metrics for Prometheus.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseBindAddress } from "../flags.js";

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
