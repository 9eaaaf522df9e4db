// puck-gateway's entry point: parses flags, loads cluster access, the logger and the keys, and
// serves SSH (and, with --url-domain, Sprite URLs over HTTP) until SIGTERM, then drains.
// `ssh dev@GATEWAY` reaches Sprite dev, and http://3000-dev.DOMAIN/ its port 3000, waking it first.
import { Command, InvalidArgumentError } from "commander";
import { parseProgramFlags, programAccess } from "../kube/program-access.js";
import { createKubeClient } from "../kube/client.js";
import { errorText, makeLogger, type LogLevel } from "../kube/logger.js";
import { urlDomainProblem, type UrlScheme } from "../operator/api/http.js";
import { loadOrCreateHostKey } from "./host-key.js";
import { KubeUrlBackend } from "./http/kube-url-backend.js";
import { createUrlServer, type UrlServer } from "./http/server.js";
import { newUrlKey } from "./http/session-cookie.js";
import { loadOrCreateSecretValue } from "./kept-secret.js";
import { KubeBackend } from "./kube-backend.js";
import { createGatewayServer } from "./ssh-server.js";

interface GatewayFlags {
  listen: { host: string; port: number };
  kubeconfig?: string;
  defaultNamespace: string;
  hostKeySecret: string;
  /** Where the host key Secret lives: the flag, else the gateway's own namespace in a pod. */
  hostKeyNamespace?: string;
  logLevel: LogLevel;
  /** After SIGTERM, how long open connections may go on before the rest are closed. */
  drainTimeout: number;
  /** After SIGTERM, how long new connections are still accepted (and drained with the rest). */
  drainHandover: number;
  httpListen: { host: string; port: number };
  /** Sprite URLs are served only when set. */
  urlDomain: string;
  urlScheme: UrlScheme;
  urlKeySecret: string;
  trustForwardedFor: boolean;
}

const listenAddress = (value: string) => {
  const match = /^(.*):(\d+)$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new InvalidArgumentError(`"${value}" is not HOST:PORT (e.g. 0.0.0.0:2222)`);
  return { host: match[1] || "0.0.0.0", port };
};

/** A duration such as 1h, 30m or 90s, in milliseconds. */
const duration = (value: string) => {
  const match = /^(\d+)(ms|s|m|h)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`"${value}" is not a duration: a whole number with ms, s, m or h, such as 1h`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
};

const urlDomain = (value: string) => {
  const problem = value === "" ? undefined : urlDomainProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
};

const urlScheme = (value: string): UrlScheme => {
  if (value !== "http" && value !== "https") throw new InvalidArgumentError(`"${value}" is not http or https`);
  return value;
};

function parseFlags(argv: string[]): GatewayFlags {
  const program = new Command("puck-gateway")
    .description("SSH gateway to Sprites: `ssh NAME[.NAMESPACE]@gateway` wakes the Sprite and opens a session in it")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .option("--listen <host:port>", "address to serve SSH on", listenAddress, { host: "0.0.0.0", port: 2222 })
    .option("--kubeconfig <path>", "kubeconfig to use (default: the pod's service account)")
    .option("--default-namespace <ns>", "namespace of a user name without one (`dev` is Sprite dev in it)", "default")
    .option("--host-key-secret <name>", "Secret that holds the SSH host key (made when missing)", "puck-gateway-host-key")
    .option("--host-key-namespace <ns>", "namespace of that Secret (default: the gateway's own)")
    .option("--log-level <level>", "debug, info, warn or error", "info")
    .option("--drain-timeout <duration>", "after SIGTERM, how long open sessions may go on before the rest are closed", duration, 3_600_000)
    .option("--drain-handover <duration>", "after SIGTERM, how long new connections are still accepted, while the cluster stops sending them here", duration, 5_000)
    .option("--http-listen <host:port>", "address to serve Sprite URLs on (HTTP, behind the ingress)", listenAddress, { host: "0.0.0.0", port: 8080 })
    .option("--url-domain <domain>", "serve Sprite URLs PORT-NAME[--NAMESPACE].DOMAIN (none when empty)", urlDomain, "")
    .option("--url-scheme <scheme>", "the scheme URLs are served with by the ingress: http or https", urlScheme, "http")
    .option("--url-key-secret <name>", "Secret that holds the URL session cookies' key (made when missing), beside the host key", "puck-gateway-url-key")
    .option("--trust-forwarded-for", "take a URL client's address from the last X-Forwarded-For hop (behind an ingress that sets it)", false);
  program.parse(argv, { from: "user" });
  return program.opts<GatewayFlags>();
}

async function main(): Promise<void> {
  const flags = parseProgramFlags("puck-gateway", parseFlags);
  const log = makeLogger({ level: flags.logLevel });
  // Handlers before anything else: Node is PID 1 in the image, where the kernel drops a signal that
  // has none, and a pod deleted while it starts would wait out its whole grace (an hour). Until the
  // servers run there is nothing to drain.
  let onSignal = (signal: string): void => {
    log.info("Stopped before serving", { signal });
    process.exit(0);
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  const access = await programAccess("puck-gateway", flags.kubeconfig);
  const client = createKubeClient(access, { userAgent: "puck-gateway" });
  const keyNamespace = flags.hostKeyNamespace ?? (flags.kubeconfig ? flags.defaultNamespace : access.namespace);
  const hostKey = await loadOrCreateHostKey(client, keyNamespace, flags.hostKeySecret);
  log.info(hostKey.created ? "Created the SSH host key" : "Loaded the SSH host key", {
    secret: `${keyNamespace}/${flags.hostKeySecret}`, fingerprint: hostKey.fingerprint, publicKey: hostKey.publicKey,
  });
  const server = createGatewayServer({
    hostKey: hostKey.privateKey,
    backend: new KubeBackend(client),
    defaultNamespace: flags.defaultNamespace,
    log,
  });
  server.on("error", (error) => {
    log.error("Could not serve SSH", { error: errorText(error) });
    process.exit(1);
  });
  server.listen(flags.listen.port, flags.listen.host, () => log.info("Serving SSH", { address: `${flags.listen.host}:${flags.listen.port}` }));
  let http: UrlServer | undefined;
  if (flags.urlDomain) {
    const secret = flags.urlKeySecret;
    const urlKey = await loadOrCreateSecretValue(client, { namespace: keyNamespace, name: secret, field: "key" }, newUrlKey);
    log.info(urlKey.created ? "Created the URL key" : "Loaded the URL key", { secret: `${keyNamespace}/${secret}` });
    http = createUrlServer({
      backend: new KubeUrlBackend(client, log),
      domain: flags.urlDomain,
      scheme: flags.urlScheme,
      key: urlKey.value,
      trustForwardedFor: flags.trustForwardedFor,
      log,
    });
    http.on("error", (error) => {
      log.error("Could not serve HTTP", { error: errorText(error) });
      process.exit(1);
    });
    http.listen(flags.httpListen.port, flags.httpListen.host, () =>
      log.info("Serving HTTP", { address: `${flags.httpListen.host}:${flags.httpListen.port}`, domain: flags.urlDomain }));
  }
  let draining = false;
  onSignal = (signal: string) => {
    if (draining) {
      log.warn("Stopped at once", { signal, connections: server.connections + (http?.connections ?? 0) });
      process.exit(0);
    }
    draining = true;
    // A rollout (or an upgrade) replaces the pod: the new one takes new connections while this one
    // keeps the open ones until they end. The Deployment's grace period is a little longer.
    log.info("Draining", { signal, connections: server.connections, httpConnections: http?.connections ?? 0, timeout: `${flags.drainTimeout / 1000}s`, handover: `${flags.drainHandover / 1000}s` });
    // Open downloads and WebSockets through URLs go on like SSH sessions, within the same bound.
    void Promise.all([
      server.drain(flags.drainTimeout, flags.drainHandover),
      http?.drain(flags.drainTimeout, flags.drainHandover) ?? { closed: 0 },
    ]).then(([ssh, web]) => {
      const closed = ssh.closed + web.closed;
      if (closed > 0) log.warn("Closed the connections left after the drain timeout", { closed });
      log.info("Stopped", { signal });
      process.exit(0);
    });
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`puck-gateway: ${errorText(error)}\n`);
  process.exit(1);
});
