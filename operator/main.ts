// The operator's entry point: parses flags, loads the kubeconfig, makes the logger, and starts.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { ClusterAccess } from "../kube/access.js";
import { parseProgramFlags, programAccess } from "../kube/program-access.js";
import { createKubeClient, type RequestRecord } from "../kube/client.js";
import { API_VERSION, KIND } from "./api/index.js";
import { spriteController } from "./sprite/controller.js";
import { makeEventRecorder } from "./runtime/events.js";
import { parseFlags, type OperatorFlags } from "./flags.js";
import { serve } from "./runtime/http-server.js";
import { LeaderElector } from "./runtime/leader-election.js";
import { errorText, makeLogger } from "./runtime/logger.js";
import { Metrics } from "./runtime/metrics.js";

/** Where the leader-election Lease lives: the flag, else the operator's own namespace in a pod. */
function leaseNamespace(flags: OperatorFlags, access: ClusterAccess): string {
  if (flags.leaderElectionNamespace) return flags.leaderElectionNamespace;
  return flags.kubeconfig ? (flags.namespace ?? "default") : access.namespace;
}

/** Counts every finished API request in the existing Prometheus metrics. */
function countRequests(metrics: Metrics) {
  return ({ verb, resource, status }: RequestRecord) => {
    if (verb === "WATCH") return;
    const v = verb.toLowerCase();
    if (verb !== "GET") metrics.apiWrites.inc({ verb: v, resource });
    metrics.apiRequests.inc({ verb: v, resource, code: status === 0 ? "error" : String(status) });
  };
}

async function main(): Promise<void> {
  const flags = parseProgramFlags("puck-operator", parseFlags);
  const log = makeLogger({ level: flags.logLevel });
  const access = await programAccess("puck-operator", flags.kubeconfig);
  const metrics = new Metrics();
  const client = createKubeClient(access, { onRequest: countRequests(metrics), userAgent: "puck-operator" });
  const identity = `${hostname()}_${randomBytes(4).toString("hex")}`;
  const now = () => new Date();
  const controller = spriteController(
    client,
    {
      client,
      log,
      events: makeEventRecorder(client, log, identity, now, { apiVersion: API_VERSION, kind: KIND }),
      config: { agentImage: flags.agentImage, staleAfterMs: flags.activityStaleAfterMs, idleTimeoutScale: flags.idleTimeoutScale, ...(flags.urls ? { urls: flags.urls } : {}) },
      now,
    },
    metrics,
    { ...(flags.namespace ? { namespace: flags.namespace } : {}), workers: flags.workers, resyncMs: 10 * 60_000 },
  );
  const elector = flags.leaderElect
    ? new LeaderElector(client, { namespace: leaseNamespace(flags, access), name: "puck-operator", identity }, log)
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
