// The local cluster's ServiceLB and ingress controller, as k3s has them (e2e/cluster/up.sh): a
// LoadBalancer Service is served on the node's address, even when ServiceLB's watch of the API server
// broke meanwhile; an Ingress of the default class, for a wildcard host as Puck's puck-urls is, is
// served by Traefik on the node's ports 80 and 443 with the request's Host passed on, a response
// streamed as it is written, and a connection Upgrade (what a WebSocket is) carried both ways.
// The backend is busybox's httpd and nc in a pod of this file's namespace (no other image serves
// HTTP here); Puck's gateway behind the same Ingress is for the gateway's own tests.
// @needs: cluster-alongside
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { get, type IncomingMessage } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, makeNamespace } from "../lib/cluster.js";
import { waitFor } from "../lib/wait.js";

const MINUTE = 60_000;
// Where up.sh keeps the cluster's runtime files and state (e2e/cluster/lib.sh).
const PUCK_RUN = process.env.PUCK_RUN ?? "/run/puck-e2e";
const PUCK_STATE = process.env.PUCK_STATE ?? "/var/lib/puck-e2e";
let ns: { name: string; remove: () => Promise<void> };
let nodeIp: string;
/** A wildcard host as deploy/urls makes (*.DOMAIN), under a domain of this file's own. */
let domain: string;
const apply = (objects: unknown[]) => kubectl(["-n", ns.name, "apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }) });

// The backend: /cgi-bin/host answers with the Host it got; /cgi-bin/stream writes a first line, then
// its second only once the test has read the first (it waits for a file the test makes); nc on 8081
// answers any request with 101 Switching Protocols and then echoes what it receives.
const scripts = {
  host: `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho "host=$HTTP_HOST"\n`,
  stream: `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho first\nwhile [ ! -f /tmp/go ]; do sleep 0.1; done\necho second\n`,
  upgrade: `#!/bin/sh\nwhile read -r line; do [ "\${#line}" -le 1 ] && break; done\nprintf 'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n'\nexec cat\n`,
};

const backend = () => [
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "scripts" }, data: scripts },
  {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "httpd",
          image: "puck-busybox:dev",
          imagePullPolicy: "IfNotPresent",
          command: ["sh", "-c", "mkdir -p /www/cgi-bin && cp /scripts/host /scripts/stream /www/cgi-bin/ && chmod +x /www/cgi-bin/* && nc -ll -p 8081 -e /scripts/upgrade & exec httpd -f -p 8080 -h /www"],
          volumeMounts: [{ name: "scripts", mountPath: "/scripts" }],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        },
      ],
      volumes: [{ name: "scripts", configMap: { name: "scripts", defaultMode: 0o755 } }],
    },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }, { name: "upgrade", port: 81, targetPort: 8081 }] },
  },
];

/** GET through the node's port 80 with a Host of the wildcard; resolves once the head has come. */
const request = (path: string, host: string): Promise<IncomingMessage> =>
  new Promise((resolve, reject) => get({ host: nodeIp, port: 80, path, headers: { host } }, resolve).on("error", reject));
const curl = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("curl", ["-sS", "--max-time", "10", ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });

beforeAll(async () => {
  ns = await makeNamespace("ingress");
  domain = `${ns.name}.test`;
  const addresses = (await kubectl(["get", "nodes", "-o", "jsonpath={.items[*].status.addresses[?(@.type==\"InternalIP\")].address}"])).stdout.trim().split(/\s+/);
  const local = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
  nodeIp = addresses.find((a) => local.has(a)) ?? addresses[0]!;
  await apply(backend());
  await kubectl(["-n", ns.name, "wait", "--for=condition=Ready", "pod/web", "--timeout=120s"], { timeoutMs: 130_000 });
}, 3 * MINUTE);

afterAll(async () => {
  await ns?.remove();
});

describe("ServiceLB", () => {
  it("gives a LoadBalancer Service the node's InternalIP, and the node serves it there", async () => {
    await apply([{ apiVersion: "v1", kind: "Service", metadata: { name: "lb" }, spec: { type: "LoadBalancer", selector: { app: "web" }, ports: [{ port: 18_080, targetPort: 8080 }] } }]);
    let seen = "";
    await waitFor(async () => (seen = (await kubectl(["-n", ns.name, "get", "service", "lb", "-o", "jsonpath={.status.loadBalancer.ingress}"])).stdout) !== "", {
      timeoutMs: 30_000,
      what: "ServiceLB to give Service lb an address",
    });
    expect(JSON.parse(seen)).toEqual([{ ip: nodeIp, ipMode: "VIP" }]);
    // kube-proxy programs the address once it has seen the status.
    let last = "";
    await waitFor(async () => ((last = (await curl([`http://${nodeIp}:18080/cgi-bin/host`])).stdout) === `host=${nodeIp}:18080\n`), {
      timeoutMs: 30_000,
      what: `${nodeIp}:18080 to reach the backend`,
      describe: () => last,
    });
  });

  it("gives none to one asking for port 80 or 443, which are the ingress controller's on the node", async () => {
    await apply([{ apiVersion: "v1", kind: "Service", metadata: { name: "on-80" }, spec: { type: "LoadBalancer", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } }]);
    const line = `${ns.name}/on-80 asks for port 80, which the node's ingress controller serves: no address`;
    await waitFor(() => readFileSync(join(PUCK_STATE, "logs", "servicelb.log"), "utf8").includes(line), { timeoutMs: 30_000, what: "ServiceLB to pass over Service on-80" });
    expect((await kubectl(["-n", ns.name, "get", "service", "on-80", "-o", "jsonpath={.status.loadBalancer.ingress}"])).stdout).toBe("");
  });

  describe("across the API server going away", () => {
    // A second ServiceLB beside the cluster's, serving only Services of a class of this file's own
    // (the cluster's serves those without one), talking to the API server through a proxy that this
    // test stops and starts again as an API server restart would: connections cut, then refused.
    const lbClass = () => `puck.sandwich.labs/e2e-${ns.name}`;
    /** `cut`: connections the last down() ended; `made`: connections ever made through it. */
    let proxy: { port: number; down: () => Promise<number>; up: () => Promise<void>; made: () => number };
    let servicelb: ChildProcess;
    let log = "";

    const classed = (name: string) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name },
      spec: { type: "LoadBalancer", loadBalancerClass: lbClass(), selector: { app: "web" }, ports: [{ port: 18_081, targetPort: 8080 }] },
    });
    const address = async (name: string) => (await kubectl(["-n", ns.name, "get", "service", name, "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}"])).stdout;

    beforeAll(async () => {
      const sockets = new Set<Socket>();
      let server: Server | undefined;
      let made = 0;
      const listen = (port: number) =>
        new Promise<number>((resolve, reject) => {
          server = createServer((client) => {
            made++;
            const upstream = connect({ host: "127.0.0.1", port: 6443 });
            for (const s of [client, upstream]) {
              sockets.add(s);
              s.on("close", () => sockets.delete(s)).on("error", () => undefined);
            }
            client.pipe(upstream).pipe(client);
          });
          server.once("error", reject).listen(port, "127.0.0.1", () => resolve((server!.address() as { port: number }).port));
        });
      const port = await listen(0);
      proxy = {
        port,
        down: () =>
          new Promise<number>((resolve) => {
            const cut = sockets.size / 2;
            server!.close(() => resolve(cut));
            for (const s of sockets) s.destroy();
          }),
        up: async () => void (await listen(port)),
        made: () => made,
      };
      // The cluster's ServiceLB binary and identity (up.sh), pointed at the proxy.
      const command = readFileSync(join(PUCK_RUN, "servicelb.cmd"), "utf8").split("\0");
      const kubeconfig = join(mkdtempSync(join(tmpdir(), "ingress-test-")), "servicelb.kubeconfig");
      writeFileSync(kubeconfig, readFileSync(join(PUCK_STATE, "servicelb.kubeconfig"), "utf8").replace("https://127.0.0.1:6443", `https://127.0.0.1:${port}`));
      const node = command[command.indexOf("--node") + 1]!;
      servicelb = spawn(command[0]!, ["--kubeconfig", kubeconfig, "--node", node, "--load-balancer-class", lbClass()]);
      servicelb.stderr!.on("data", (c: Buffer) => (log += c.toString()));
      await waitFor(() => log.includes("serving LoadBalancer Services"), { timeoutMs: 30_000, what: "the second ServiceLB to start", describe: () => log });
    });

    afterAll(() => {
      servicelb?.kill();
      return proxy?.down();
    });

    it("serves a Service of its class, and only it", async () => {
      await apply([classed("before")]);
      await waitFor(async () => (await address("before")) === nodeIp, { timeoutMs: 30_000, what: "Service before to get the node's address", describe: () => log });
      // Its log line comes after the status write it reports: the address can be read first.
      await waitFor(() => log.includes(`${ns.name}/before gets ${nodeIp}`), { timeoutMs: 10_000, what: "the second ServiceLB to log the address it gave", describe: () => log });
      expect(log).not.toContain(`${ns.name}/lb gets`);
    });

    it("catches up, once the API server is back, on a Service made while it was away", async () => {
      // Its connections (its watches among them) are cut, and new ones refused while it is down.
      // client-go retries a refused watch without a log line, so the proof is the proxy's count.
      expect(await proxy.down()).toBeGreaterThan(0);
      const madeBefore = proxy.made();
      await apply([classed("during")]);
      expect(await address("during")).toBe("");
      await proxy.up();
      await waitFor(async () => (await address("during")) === nodeIp, { timeoutMs: 2 * MINUTE, what: "Service during to get the node's address after the outage", describe: () => log.slice(-2000) });
      // It caught up through a connection made after the outage.
      expect(proxy.made()).toBeGreaterThan(madeBefore);
    }, 4 * MINUTE);
  });
});

describe("the ingress controller (Traefik)", () => {
  let host: string;

  beforeAll(async () => {
    host = `3000-dev.${domain}`;
    // As deploy/urls's puck-urls: no class (the default's), one wildcard host; and /ws to nc.
    await apply([
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "urls" },
        spec: {
          rules: [
            {
              host: `*.${domain}`,
              http: {
                paths: [
                  { path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } },
                  { path: "/ws", pathType: "Prefix", backend: { service: { name: "web", port: { name: "upgrade" } } } },
                ],
              },
            },
          ],
        },
      },
    ]);
    let last = "";
    await waitFor(async () => ((last = (await curl(["-H", `Host: ${host}`, `http://${nodeIp}/cgi-bin/host`])).stdout) === `host=${host}\n`), {
      timeoutMs: MINUTE,
      what: "Traefik to serve the Ingress",
      describe: () => last,
    });
  }, 2 * MINUTE);

  it("is the default class, traefik, and writes the node's address into the Ingress's status", async () => {
    const annotation = (await kubectl(["get", "ingressclass", "traefik", "-o", "jsonpath={.metadata.annotations.ingressclass\\.kubernetes\\.io/is-default-class}"])).stdout;
    expect(annotation).toBe("true");
    expect((await kubectl(["-n", ns.name, "get", "ingress", "urls", "-o", "jsonpath={.spec.ingressClassName}"])).stdout).toBe("traefik");
    await waitFor(async () => (await kubectl(["-n", ns.name, "get", "ingress", "urls", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}"])).stdout === nodeIp, {
      timeoutMs: 30_000,
      what: "the Ingress's status to name the node's address",
    });
  });

  it("passes on the Host of any name under the wildcard, on port 80 and on 443 (TLS)", async () => {
    for (const name of [`8080-web--team.${domain}`, host]) {
      const plain = await curl(["-H", `Host: ${name}`, `http://${nodeIp}/cgi-bin/host`]);
      expect(plain, plain.stderr).toMatchObject({ code: 0, stdout: `host=${name}\n` });
      // Traefik's default certificate: this cluster's Ingress names no Secret.
      const tls = await curl(["-k", "--resolve", `${name}:443:${nodeIp}`, `https://${name}/cgi-bin/host`]);
      expect(tls, tls.stderr).toMatchObject({ code: 0, stdout: `host=${name}\n` });
    }
    // Another domain is not this Ingress's.
    const other = await curl(["-w", "%{http_code}", "-H", `Host: 3000-dev.elsewhere-${domain}`, `http://${nodeIp}/cgi-bin/host`]);
    expect(other.stdout).toMatch(/404$/);
  });

  it("streams a response: its first line arrives before the backend writes the rest", async () => {
    const res = await request("/cgi-bin/stream", host);
    expect(res.statusCode).toBe(200);
    res.setEncoding("utf8");
    let received = "";
    res.on("data", (c: string) => (received += c));
    const ended = new Promise<void>((resolve) => res.on("end", resolve));
    // The backend holds "second" back until /tmp/go exists: a proxy that buffered the response
    // would show nothing here.
    await waitFor(() => received === "first\n", { timeoutMs: 30_000, what: "the first line through the ingress", describe: () => JSON.stringify(received) });
    await kubectl(["-n", ns.name, "exec", "web", "--", "touch", "/tmp/go"]);
    await ended;
    expect(received).toBe("first\nsecond\n");
  });

  it("carries a connection Upgrade (a WebSocket's) both ways", async () => {
    const socket = connect({ host: nodeIp, port: 80 });
    let received = "";
    socket.setEncoding("utf8").on("data", (c: string) => (received += c));
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    socket.write(
      [`GET /ws HTTP/1.1`, `Host: ${host}`, "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "", ""].join("\r\n"),
    );
    await waitFor(() => received.includes("\r\n\r\n"), { timeoutMs: 30_000, what: "the answer's head", describe: () => JSON.stringify(received) });
    const [head] = received.split("\r\n\r\n");
    expect(head!.split("\r\n")[0]).toBe("HTTP/1.1 101 Switching Protocols");
    expect(head).toMatch(/^Upgrade: websocket$/im);
    received = "";
    socket.write("ping over the upgraded connection\n");
    await waitFor(() => received === "ping over the upgraded connection\n", { timeoutMs: 30_000, what: "the echo", describe: () => JSON.stringify(received) });
    socket.destroy();
  });
});
