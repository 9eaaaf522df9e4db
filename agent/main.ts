// The agent's entry point: reads its settings, wires sources, aggregator and sink, and starts the loops.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AccessError, serverAccess, type ClusterAccess } from "../kube/access.js";
import { createKubeClient } from "../kube/client.js";
import { inClusterAccess } from "../kube/in-cluster.js";
import type { Sprite } from "../operator/api/index.js";
import { sleep } from "../kube/backoff.js";
import { createAgentLoop } from "./agent-loop.js";
import { readDiskUsage, withVolume } from "./disk-usage.js";
import { startVolumeMeter } from "./volume-meter.js";
import { readServices } from "./services-source.js";
import { readConfig } from "./config.js";
import { createCpuSampler, defaultUsageSource } from "./cpu-sampler.js";
import { watchKeepAwake } from "./keep-awake-watcher.js";
import { isLogLevel, makeLogger, type Logger } from "./logger.js";
import { createNetworkSource } from "./network-source.js";
import { createProcessSource } from "./process-source.js";
import { createProcScanner } from "./proc-scanner.js";
import { createPublisher } from "./publisher.js";
import { createStatusSink } from "./status-sink.js";
import { watchSprite } from "./sprite-watcher.js";
import { supervise } from "./supervisor.js";
import { createTerminalWarner } from "./terminal-warner.js";
import { createTicker } from "./ticker.js";

/** CPU must stay above the threshold over this window (on average) to count as busy. */
const CPU_WINDOW_MS = 10_000;
/** Every process is re-read (CPU, foreground command) this often; every tick only lists /proc. */
const REFRESH_MS = 3000;

async function main(): Promise<void> {
  const agentStartMs = Date.now();
  let config;
  try {
    config = readConfig(process.env);
  } catch (error) {
    process.stderr.write(`puck-agent: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const log: Logger = makeLogger({ level: isLogLevel(config.logLevel) ? config.logLevel : "info" }).child({
    sprite: config.spriteName,
    namespace: config.namespace,
  });
  const controller = new AbortController();
  const { signal } = controller;
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.once(sig, () => controller.abort());

  let access: ClusterAccess;
  try {
    access = config.api.server ? serverAccess({ ...config.api, server: config.api.server }, config.namespace) : inClusterAccess(process.env);
  } catch (error) {
    if (!(error instanceof AccessError)) throw error;
    log.error("Could not work out how to reach the API server", { error: error.message, hint: error.hint });
    process.exit(1);
  }
  // Reports are small and the API server near: 10 s is ample, and a stuck patch must not hold the next.
  const client = createKubeClient(access, { timeoutMs: 10_000, userAgent: "puck-agent" });

  let sprite: Sprite | undefined;
  let ownCgroup: string | undefined;
  if (config.excludeOwnCgroup) {
    try {
      ownCgroup = readFileSync(join(config.procRoot, "self", "cgroup"), "utf8").trim();
    } catch (error) {
      log.warn("Could not read the agent's cgroup; its own container's processes may count", { error });
    }
  }
  // The volume's own use, walked at most at 1 % of a core (agent/volume-meter.ts).
  const volume = config.volumeDir
    ? startVolumeMeter({
        root: config.volumeDir,
        signal,
        onError: (error) => log.warn("Could not measure the volume", { error }),
        onMeasure: (m) => log.debug("Measured the volume", { usedBytes: m.usedBytes, files: m.files, cpuMs: Math.round(m.cpuMs) }),
      })
    : undefined;
  const loop = createAgentLoop({
    log,
    now: Date.now,
    agentStartMs,
    processes: createProcessSource({
      log,
      now: Date.now,
      scanner: createProcScanner({ procRoot: config.procRoot }),
      cpu: createCpuSampler(defaultUsageSource(config.scanIntervalMs)),
      classifyOptions: { selfPid: process.pid, sessionParentPid: config.sessionParentPid, ...(ownCgroup !== undefined ? { ownCgroup } : {}) },
      procRoot: config.procRoot,
      cpuWindowMs: CPU_WINDOW_MS,
      refreshMs: REFRESH_MS,
      disk: () => withVolume(readDiskUsage(config.homeDir), volume?.latest()),
      services: () => readServices(config.homeDir),
    }),
    procRoot: config.procRoot,
    sprite: () => sprite,
    keepAwake: () => keepAwake.current(),
    warner: createTerminalWarner({ log }),
    // In a pod the agent shares the Sprite's network namespace, so its counters are the Sprite's; on
    // a host (tests) they would be the whole machine's, so there is no network evidence there.
    ...(config.sessionParentPid === 0 ? { network: createNetworkSource(join(config.procRoot, "self", "net", "dev")) } : {}),
    publisher: createPublisher({ sink: createStatusSink(client, config.namespace, config.spriteName, log), heartbeatMs: config.heartbeatMs, log }),
  });
  const ticker = createTicker(() => loop.tick(), config.scanIntervalMs);
  const kick = () => ticker.kick();
  const keepAwake = watchKeepAwake({ homeDir: config.homeDir, log, now: Date.now, onChange: kick });

  let firstSprite = true;
  void watchSprite({
    client,
    namespace: config.namespace,
    name: config.spriteName,
    log,
    signal,
    onSprite: (next) => {
      const hibernatesChanged = next?.status?.hibernatesAt !== sprite?.status?.hibernatesAt;
      const specChanged = JSON.stringify(next?.spec) !== JSON.stringify(sprite?.spec);
      sprite = next;
      if (firstSprite && next) {
        firstSprite = false;
        log.info("Found Sprite", { idleTimeoutMinutes: next.spec.idleTimeoutMinutes });
      }
      if (hibernatesChanged || specChanged) kick();
    },
  });

  log.info("Started agent", { pid: process.pid, api: access.server, homeDir: config.homeDir, scanIntervalMs: config.scanIntervalMs });
  // The first report goes out at once, before the Sprite is even read: an empty report is the
  // truth at start, and it tells the operator the agent is up.
  // A failed publish ends the run; the one supervisor restarts it with backoff (1 s … 30 s).
  void supervise("activity", (s) => ticker.run(s), { log, signal, sleep });
  signal.addEventListener("abort", () => {
    log.info("Stopped agent");
    // Open keep-alive HTTPS sockets would hold the process: exit once the watcher is closed.
    void keepAwake.close().finally(() => process.exit(0));
  });
}

await main();
