// The text of `puck describe`: spec, status, conditions, sessions, busy processes, why awake, events.
import { DISK_PRESSURE_PERCENT, REASON, formatBytes, idleSince, networkSummary, overSizeBytes, reachWords, storageSize, usedPercent, type Sprite } from "../operator/api/index.js";
import { SERVICE_HEADERS, serviceRows } from "./service-spec.js";
import { ageSince, timeUntil } from "./duration.js";
import { renderTable } from "./output.js";
import { pendingUpdate } from "./render-list.js";
import { eventTime, type KubeEvent } from "./sprites.js";
import { URL_HEADERS, httpRequestSummary, urlRows } from "./url-spec.js";

const field = (label: string, value: string | number | undefined) => `${(label ? `${label}:` : "").padEnd(22)}${value ?? "-"}`;
const indent = (text: string, by = "  ") =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => by + l)
    .join("\n");

/** When, and why (not), the Sprite will hibernate, in words. */
export function hibernationSummary(sprite: Sprite, now: Date): string {
  const s = sprite.status ?? {};
  if (s.phase === "Hibernating") return `hibernated${s.hibernatedAt ? ` ${ageSince(s.hibernatedAt, now)} ago` : ""}; \`puck connect ${sprite.metadata.name}\` wakes it`;
  if (s.hibernatesAt) {
    const at = timeUntil(s.hibernatesAt, now);
    if (at === "now") return `due now (${s.hibernatesAt})`;
    // Idle since the last activity, waking or connect, as the operator counts it (operator/sprite/decide.ts).
    const since = idleSince(sprite.spec, s);
    const sinceText = since && new Date(since.atMs).toISOString();
    const idle = sinceText ? `idle since ${sinceText} (${ageSince(sinceText, now)} ago), ` : "";
    return `${idle}hibernates at ${s.hibernatesAt} (in ${at}) unless there is activity`;
  }
  if (s.phase === "Active") return `not while it is busy (${s.reason ?? "unknown reason"})`;
  return "-";
}

/** Whether a new pod template waits, and until when or what, in words. */
export function updateSummary(sprite: Sprite, now: Date): string | undefined {
  const pending = pendingUpdate(sprite);
  if (!pending) return undefined;
  if (pending.restartsAt) return `pending: the pod restarts in ${timeUntil(pending.restartsAt, now)} (${pending.restartsAt}) to apply the change to its spec`;
  if (pending.reason === REASON.restartScheduled) return `pending: ${pending.message}`;
  return `pending, held until nobody uses the Sprite or it hibernates (${pending.reason}): ${pending.message}`;
}

/** Where the Sprite's system came from and what earlier systems the volume keeps, in words. */
export function systemLines(sprite: Sprite, now: Date): string[] {
  const volume = sprite.status?.volume;
  const lines: string[] = [];
  const system = volume?.system;
  if (sprite.spec.persist !== "home") {
    if (system) {
      const seeded = system.seededAt ? ` ${ageSince(system.seededAt, now)} ago` : "";
      const size = system.bytes !== undefined ? `, ${formatBytes(system.bytes)} then` : "";
      const next = system.image !== sprite.spec.image ? `; its next start seeds a new one from ${sprite.spec.image} and keeps this one` : "";
      lines.push(field("System", `seeded from ${system.image ?? "?"}${seeded}${size}${next}`));
    } else {
      lines.push(field("System", `not seeded yet: its next start copies ${sprite.spec.image}'s system onto the volume`));
    }
  }
  const earlier = volume?.previousSystems ?? [];
  if (earlier.length > 0) {
    const bytes = earlier.reduce((sum, c) => sum + (c.bytes ?? 0), 0);
    const list = earlier.map((c) => `${c.name} (${c.image ?? "?"})`).join(", ");
    lines.push(field("Earlier systems", `${earlier.length} kept on the volume, ${formatBytes(bytes)}: ${list}; \`puck prune-systems ${sprite.metadata.name}\` deletes them`));
  }
  return lines;
}

export function renderDescribe(sprite: Sprite, events: KubeEvent[], now: Date): string {
  const spec = sprite.spec;
  const s = sprite.status ?? {};
  const out: string[] = [];
  out.push(field("Name", sprite.metadata.name));
  out.push(field("Namespace", sprite.metadata.namespace));
  out.push(field("Created", sprite.metadata.creationTimestamp ? `${sprite.metadata.creationTimestamp} (${ageSince(sprite.metadata.creationTimestamp, now)} ago)` : undefined));
  out.push("Spec:");
  out.push(indent(field("Image", spec.image)));
  out.push(indent(field("Storage", `${storageSize(spec)}${spec.storageClassName ? ` (${spec.storageClassName})` : ""}`)));
  out.push(indent(field("Persist", spec.persist === "home" ? "home (only the home survives hibernation; the image is the system at every start)" : "machine (the whole disk: the system and the home)")));
  out.push(indent(field("Idle timeout", spec.idleTimeoutMinutes !== undefined ? `${spec.idleTimeoutMinutes}m` : undefined)));
  const res = spec.resources;
  const resText = [
    ...Object.entries(res?.requests ?? {}).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(res?.limits ?? {}).map(([k, v]) => `${k} limit=${v}`),
  ].join(", ");
  out.push(indent(field("Resources", resText || undefined)));
  out.push(indent(field("Authorized keys", spec.authorizedKeys?.length)));
  if (spec.keepAwakeUntil) out.push(indent(field("Keep awake until", spec.keepAwakeUntil)));
  if (spec.purgeStorageOnDelete) out.push(indent(field("Purge on delete", "yes")));
  const [always, ...allowed] = reachWords(spec, sprite.metadata.namespace ?? "default");
  out.push(indent(field("Reaches", always)));
  for (const extra of allowed) out.push(indent(field("", `and ${extra}`)));
  out.push("Status:");
  out.push(indent(field("Phase", s.phase ?? "Pending")));
  out.push(indent(field("Reason", s.reason ? `${s.reason}${s.message ? `: ${s.message}` : ""}` : undefined)));
  out.push(indent(field("Hibernates", hibernationSummary(sprite, now))));
  const update = updateSummary(sprite, now);
  if (update) out.push(indent(field("Update", update)));
  out.push(indent(field("Pod", s.podName)));
  out.push(indent(field("Active sessions", s.activeSessions)));
  out.push(indent(field("Last active", s.lastActiveTime ? `${s.lastActiveTime} (${ageSince(s.lastActiveTime, now)} ago)` : undefined)));
  if (s.activity?.cpuPercent !== undefined) out.push(indent(field("CPU", `${s.activity.cpuPercent}% of a core, ${s.activity.processCount ?? "?"} processes`)));
  const network = s.activity?.network;
  if (network) {
    const moved = network.lastMovedTime ? `, data last moved ${ageSince(network.lastMovedTime, now)} ago` : "";
    out.push(indent(field("Network", `${networkSummary(network)}${moved}${network.active ? " (keeps it awake)" : ""}`)));
  }
  if (s.lastHTTPRequest) out.push(indent(field("HTTP", httpRequestSummary(s.lastHTTPRequest, now))));
  if (s.disk) {
    const percent = usedPercent(s.disk);
    const warn = percent >= DISK_PRESSURE_PERCENT ? " — almost full: free some space or grow it (spec.storageSize)" : "";
    out.push(indent(field("Disk", `${formatBytes(s.disk.usedBytes)} of ${formatBytes(s.disk.totalBytes)} used (${percent}%)${warn}`)));
    if (s.disk.volumeBytes !== undefined) {
      const over = overSizeBytes(s.disk, spec) !== undefined ? " — past its size: free some space or grow it (spec.storageSize)" : "";
      const when = s.disk.volumeMeasuredAt ? ` (measured ${ageSince(s.disk.volumeMeasuredAt, now)} ago)` : "";
      out.push(indent(field("Volume", `holds ${formatBytes(s.disk.volumeBytes)} of its ${storageSize(spec)}${when}${over}`)));
    }
  }
  for (const line of systemLines(sprite, now)) out.push(indent(line));
  if (s.wokeAt) out.push(indent(field("Woke", `${s.wokeAt} (${ageSince(s.wokeAt, now)} ago)`)));
  if (s.hibernatedAt) out.push(indent(field("Hibernated", `${s.hibernatedAt} (${ageSince(s.hibernatedAt, now)} ago)`)));
  out.push("Conditions:");
  const conditions = s.conditions ?? [];
  out.push(
    conditions.length === 0
      ? "  <none>"
      : indent(renderTable(["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"], conditions.map((c) => [c.type, c.status, c.reason, ageSince(c.lastTransitionTime, now), c.message ?? ""]))),
  );
  out.push("Sessions:");
  const sessions = s.activity?.sessions ?? [];
  out.push(
    sessions.length === 0
      ? "  <none>"
      : indent(
          renderTable(
            ["KIND", "TTY", "USER", "PID", "ACTIVE", "IDLE", "COMMAND"],
            sessions.map((x) => [x.kind, x.tty ?? "-", x.user ?? "-", String(x.pid), x.active ? "yes" : "no", x.lastActivityTime ? ageSince(x.lastActivityTime, now) : "-", x.command]),
          ),
        ),
  );
  out.push("Services:");
  const services = serviceRows(sprite, now);
  out.push(services.length === 0 ? "  <none>" : indent(renderTable(SERVICE_HEADERS, services)));
  for (const failed of (s.services ?? []).filter((x) => x.state === "failed" && x.lastOutput)) {
    out.push(`  Last output of ${failed.name}:`);
    out.push(...failed.lastOutput!.trimEnd().split("\n").slice(-10).map((l) => `    ${l}`));
  }
  out.push("URLs:");
  const urls = urlRows(sprite);
  out.push(urls.length === 0 ? "  <none>" : indent(renderTable(URL_HEADERS, urls)));
  out.push("Busy processes:");
  const busy = s.activity?.busyProcesses ?? [];
  out.push(
    busy.length === 0
      ? "  <none>"
      : indent(renderTable(["PID", "USER", "CPU", "WHY", "COMMAND"], busy.map((p) => [String(p.pid), p.user ?? "-", `${p.cpuPercent}%`, p.reason, p.command]))),
  );
  out.push("Events:");
  out.push(
    events.length === 0
      ? "  <none>"
      : indent(
          renderTable(
            ["AGE", "TYPE", "REASON", "OBJECT", "MESSAGE"],
            events.slice(-15).map((e) => [ageSince(eventTime(e), now), e.type ?? "", e.reason ?? "", `${(e.involvedObject.kind ?? "").toLowerCase()}/${e.involvedObject.name ?? ""}`, (e.message ?? "").replace(/\s+/g, " ")]),
          ),
        ),
  );
  return out.join("\n") + "\n";
}
