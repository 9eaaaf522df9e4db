// The operator's entry point: parses flags, loads the kubeconfig, makes the logger, and starts.
import { KubeConfig } from "@kubernetes/client-node";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { CommanderError } from "commander";
import { Controller } from "./controller.js";
import { makeEventRecorder } from "./events.js";
import { parseFlags, type OperatorFlags } from "./flags.js";
import { serve } from "./http-server.js";
import { makeKubeClient } from "./kube-client.js";
import { LeaderElector } from "./leader-election.js";
import { errorText, makeLogger } from "./logger.js";
import { Metrics } from "./metrics.js";

const IN_CLUSTER_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

function fail(message: string): never {
  process.stderr.write(`puck-operator: ${message}\n`);
  process.exit(2);
}

function loadKubeConfig(flags: OperatorFlags): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromCluster();
  } catch (error) {
    fail(`cannot load the kubeconfig ${flags.kubeconfig ?? "(in-cluster)"}: ${error instanceof Error ? error.message : error}. Pass --kubeconfig PATH.`);
  }
  return kc;
}

function leaseNamespace(flags: OperatorFlags): string {
  if (flags.leaderElectionNamespace) return flags.leaderElectionNamespace;
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, "utf8").trim();
  } catch {
    return flags.namespace ?? "default";
  }
}

async function main(): Promise<void> {
  let flags: OperatorFlags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError && (error.code === "commander.helpDisplayed" || error.code === "commander.version")) process.exit(0);
    fail(`${error instanceof Error ? error.message.replace(/^error: /, "") : error} (see --help)`);
  }
  const log = makeLogger({ level: flags.logLevel });
  const kc = loadKubeConfig(flags);
  const metrics = new Metrics();
  const client = makeKubeClient(kc, metrics);
  const identity = `${hostname()}_${randomBytes(4).toString("hex")}`;
  const now = () => new Date();
  const controller = new Controller(
    client,
    {
      client,
      log,
      events: makeEventRecorder(client, log, identity, now),
      config: { agentImage: flags.agentImage, staleAfterMs: flags.activityStaleAfterMs, idleTimeoutScale: flags.idleTimeoutScale },
      now,
    },
    metrics,
    { ...(flags.namespace ? { namespace: flags.namespace } : {}), workers: flags.workers, resyncMs: 10 * 60_000 },
  );
  const elector = flags.leaderElect
    ? new LeaderElector(client, { namespace: leaseNamespace(flags), name: "puck-operator", identity }, log)
    : undefined;

  // Ready: leading with every watch listed, or standing by behind another leader.
  const ready = () => (elector && !elector.isLeader ? elector.attempted : controller.synced);
  const health = await serve(flags.healthProbeBindAddress, {
    "/healthz": () => ({ status: 200, body: "ok\n" }),
    "/readyz": () => (ready() ? { status: 200, body: "ok\n" } : { status: 503, body: "not ready\n" }),
  });
  const metricsServer = await serve(flags.metricsBindAddress, {
    "/metrics": () => ({ status: 200, body: metrics.render(), contentType: "text/plain; version=0.0.4" }),
  });
  log.info("Started operator", {
    namespace: flags.namespace ?? "(all)",
    healthPort: health.port,
    metricsPort: metricsServer.port,
    leaderElect: flags.leaderElect,
    identity,
  });

  let stopping = false;
  const shutdown = async (signal: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log.info("Stopping operator", { signal });
    const hardStop = setTimeout(() => process.exit(code), 10_000);
    hardStop.unref();
    await controller.stop();
    await elector?.release();
    await Promise.all([health.close(), metricsServer.close()]);
    log.info("Stopped operator");
    process.exit(code);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.on("SIGINT", () => void shutdown("SIGINT", 0));

  if (elector) {
    void elector.run(
      () => controller.start(),
      // Another replica may lead now: stop reconciling at once, then campaign again.
      () => controller.stop(),
    );
  } else {
    controller.start();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`puck-operator: ${errorText(error)}\n`);
  process.exit(1);
});
