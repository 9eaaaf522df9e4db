// The agent's loop: connects the sources, the pure aggregator, the terminal warner (hibernation and
// restart) and the publisher.
// It holds no rules of its own; each tick reads, aggregates, warns and publishes if due.
import { IDLE_TIMEOUT_MINUTES, overSizeBytes, overSizeLine, type Sprite } from "../operator/api/index.js";
import { aggregate, type Findings } from "./aggregate.js";
import { expectedHibernation } from "./hibernation-warning.js";
import { keepAwakeExpiryNotice, type KeepAwake } from "./keep-awake.js";
import type { Logger } from "./logger.js";
import type { NetworkSource } from "./network-source.js";
import type { ProcessSource } from "./process-source.js";
import type { Publisher, PublishReason } from "./publisher.js";
import { readTerminals } from "./terminal-source.js";
import type { TerminalWarner } from "./terminal-warner.js";
import type { terminalTimes as readTerminalTimes } from "./tty-stat.js";

export interface LoopDeps {
  log: Logger;
  now: () => number;
  agentStartMs: number;
  processes: ProcessSource;
  procRoot: string;
  sprite: () => Sprite | undefined;
  keepAwake: () => KeepAwake;
  warner: TerminalWarner;
  publisher: Publisher;
  /** The network namespace's traffic; absent where the agent shares none with the Sprite (a host run). */
  network?: NetworkSource;
  terminalTimes?: typeof readTerminalTimes;
}

export interface TickResult {
  findings: Findings;
  published?: PublishReason;
}

export interface AgentLoop {
  /** Runs one tick. Throws when publishing fails: the caller's supervisor retries. */
  tick(): Promise<TickResult>;
}

const timeOf = (value: string | undefined): number | undefined => {
  const ms = Date.parse(value ?? "");
  return Number.isNaN(ms) ? undefined : ms;
};

export function createAgentLoop(deps: LoopDeps): AgentLoop {
  const noticeExpiry = keepAwakeExpiryNotice(deps.log);
  // The last activity published; after a restart, the one the previous agent published.
  let lastActiveMs: number | undefined;
  let seededFromStatus = false;
  let wasOverSize = false;

  return {
    async tick() {
      const nowMs = deps.now();
      const sprite = deps.sprite();
      if (!seededFromStatus && sprite) {
        seededFromStatus = true;
        const previous = timeOf(sprite.status?.lastActiveTime);
        if (previous !== undefined) lastActiveMs = Math.max(lastActiveMs ?? previous, previous);
      }
      const idleTimeoutMinutes = sprite?.spec.idleTimeoutMinutes ?? IDLE_TIMEOUT_MINUTES.default;

      const observed = await deps.processes.observe(nowMs, sprite?.spec.activity);
      const network = deps.network?.observe(nowMs, observed.refreshed);
      const { seen, busy, userOf } = observed;
      const terminals = readTerminals(seen.terminals, userOf, deps.procRoot, deps.terminalTimes).map((t) => ({
        ...t,
        ...(t.times ? { lastInputMs: t.times.atimeMs, lastOutputMs: deps.warner.outputExcludingOwn(t.key, t.times.mtimeMs) } : {}),
      }));
      deps.warner.keepOnly(new Set(terminals.map((t) => t.key)));
      const keepAwake = deps.keepAwake();
      const keepAwakeUntilMs = "untilMs" in keepAwake ? keepAwake.untilMs : undefined;
      noticeExpiry(keepAwakeUntilMs, nowMs);
      const wakeRequestedMs = timeOf(sprite?.spec.wakeRequestedAt);

      const findings = aggregate({
        nowMs,
        agentStartMs: deps.agentStartMs,
        idleTimeoutMinutes,
        terminals,
        execs: seen.execs.map((p) => ({ user: userOf(p.uid), command: p.cmdline, pid: p.pid, startTimeMs: p.startTimeMs })),
        busy,
        ...(keepAwakeUntilMs !== undefined ? { keepAwakeUntilMs } : {}),
        cpuPercent: observed.cpuPercent,
        processCount: seen.candidates.length,
        ...(lastActiveMs !== undefined ? { previousLastActiveMs: lastActiveMs } : {}),
        ...(wakeRequestedMs !== undefined ? { wakeRequestedMs } : {}),
        ...(seen.mainInit ? { mainStartMs: seen.mainInit.startTimeMs } : {}),
        ...(observed.disk ? { disk: observed.disk } : {}),
        ...(observed.services ? { services: observed.services } : {}),
        ...(network ? { network } : {}),
      });
      lastActiveMs = findings.lastActiveMs;

      const hibernatesAtMs = expectedHibernation({
        ...optional("hibernatesAtMs", timeOf(sprite?.status?.hibernatesAt)),
        activeTerminals: findings.report.sessions?.filter((x) => x.kind === "terminal" && x.active).length ?? 0,
        unknownTerminal: terminals.some((t) => t.times === undefined),
        networkActive: findings.report.network?.active ?? false,
        execs: seen.execs.length,
        busy: busy.length,
        ...optional("lastActiveMs", findings.lastActiveMs),
        ...optional("keepAwakeUntilMs", Math.max(keepAwakeUntilMs ?? 0, timeOf(sprite?.spec.keepAwakeUntil) ?? 0) || undefined),
        idleTimeoutMinutes,
      });
      deps.warner.warnIfDue("hibernation", hibernatesAtMs, nowMs, idleTimeoutMinutes, terminals);
      deps.warner.warnIfDue("restart", timeOf(sprite?.status?.restartsAt), nowMs, idleTimeoutMinutes, terminals);
      // Past its size, once per crossing (storage that enforces no size lets a volume fill the node's disk).
      const overSize = sprite !== undefined && findings.disk !== undefined && overSizeBytes(findings.disk, sprite.spec) !== undefined;
      if (overSize && !wasOverSize) deps.warner.say("the volume past its size", `\r\n*** ${overSizeLine(findings.disk!, sprite!.spec, sprite!.metadata.name)} ***\r\n`, nowMs, terminals);
      wasOverSize = overSize;

      const published = await deps.publisher.publishIfDue(findings, nowMs);
      return { findings, ...(published ? { published } : {}) };
    },
  };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
