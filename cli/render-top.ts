// One frame of `puck top`: every Sprite's sessions, busy processes, CPU and countdown, as text.
import { formatBytes, formatDisk, networkSummary, overSizeBytes, storageSize, type Sprite } from "../operator/api/index.js";
import { ageSince } from "./duration.js";
import { renderTable } from "./output.js";
import { byText, hibernatesIn } from "./render-list.js";
import { httpRequestSummary } from "./url-spec.js";

export const TOP_HEADERS = ["NAME", "PHASE", "SESSIONS", "BUSY", "SERVICES", "CPU", "DISK", "HIBERNATES-IN", "REASON"];

export interface TopFrameInput {
  namespace: string;
  /** -A: Sprites of every namespace, each row naming its namespace. */
  allNamespaces?: boolean;
  sprites: Sprite[];
  now: Date;
  /** Terminal width: long lines are cut to fit, so the frame redraws in place. */
  columns?: number;
  /** Shown under the table, e.g. "q to quit" or a watch error. */
  footer?: string;
}

export function topRow(sprite: Sprite, now: Date): string[] {
  const s = sprite.status ?? {};
  const awake = s.phase === "Active" || s.phase === "Starting";
  const activity = s.activity;
  return [
    sprite.metadata.name,
    s.phase ?? "Pending",
    awake ? String(s.activeSessions ?? 0) : "-",
    awake && activity ? String(activity.busyProcesses?.length ?? 0) : "-",
    serviceCount(sprite, awake),
    awake && activity?.cpuPercent !== undefined ? `${activity.cpuPercent}%` : "-",
    s.disk ? diskColumn(sprite) : "-",
    hibernatesIn(sprite, now),
    s.reason ?? "-",
  ];
}

/**
 * The volume's own use against its size once the agent has measured it ("12G/10G OVER" when past),
 * else the filesystem's figures: with local-path those are the node's disk, not the Sprite's.
 */
export function diskColumn(sprite: Sprite): string {
  const disk = sprite.status?.disk;
  if (!disk) return "-";
  if (disk.volumeBytes === undefined) return formatDisk(disk);
  return `${formatBytes(disk.volumeBytes)}/${storageSize(sprite.spec)}${overSizeBytes(disk, sprite.spec) !== undefined ? " OVER" : ""}`;
}

/** Services running of those declared (the spec's and the Sprite's own), and how many failed: "2/3 1 failed". */
export function serviceCount(sprite: Sprite, awake: boolean): string {
  const seen = sprite.status?.services ?? [];
  const declared = new Set([...(sprite.spec.services ?? []).map((s) => s.name), ...seen.map((s) => s.name)]).size;
  if (declared === 0) return "-";
  if (!awake) return `0/${declared}`;
  const running = seen.filter((s) => s.state === "running").length;
  const failed = seen.filter((s) => s.state === "failed").length;
  return `${running}/${declared}${failed ? ` ${failed} failed` : ""}`;
}

/** What each awake Sprite is doing: one line per session and busy process. */
export function activityLines(sprite: Sprite, now: Date): string[] {
  const activity = sprite.status?.activity;
  if (!activity || sprite.status?.phase !== "Active") return [];
  const lines: string[] = [];
  for (const session of activity.sessions ?? []) {
    const idle = session.lastActivityTime ? `idle ${ageSince(session.lastActivityTime, now)}` : "";
    lines.push(`  ${sprite.metadata.name}  ${session.kind} ${session.tty ?? ""} ${session.command} (pid ${session.pid}${idle ? `, ${idle}` : ""})${session.active ? "" : " inactive"}`.replace(/ +/g, " "));
  }
  for (const p of activity.busyProcesses ?? []) {
    lines.push(`  ${sprite.metadata.name}  busy ${p.command} (pid ${p.pid}, ${p.cpuPercent}% cpu, ${p.reason})`);
  }
  // Only when it counts: data moving (a download, a forward in use) is what keeps the Sprite awake.
  if (activity.network?.active) lines.push(`  ${sprite.metadata.name}  network ${networkSummary(activity.network)} (keeps it awake)`);
  const request = sprite.status?.lastHTTPRequest;
  if (request) lines.push(`  ${sprite.metadata.name}  HTTP ${httpRequestSummary(request, now)}`);
  return lines;
}

/** Where a Sprite is, as -A shows it: "namespace/name". */
export const spriteKey = (sprite: Sprite) => `${sprite.metadata.namespace ?? ""}/${sprite.metadata.name}`;

export function renderTopFrame(input: TopFrameInput): string {
  const all = input.allNamespaces === true;
  const sprites = [...input.sprites].sort((a, b) => (all ? byText(spriteKey(a), spriteKey(b)) : byText(a.metadata.name, b.metadata.name)));
  const active = sprites.filter((s) => s.status?.phase === "Active").length;
  const clock = input.now.toISOString().slice(11, 19);
  const where = all ? "all namespaces" : `namespace ${input.namespace}`;
  const lines = [`puck top · ${where} · ${sprites.length} Sprites, ${active} active · ${clock} UTC`, ""];
  if (sprites.length === 0) lines.push("No Sprites. Create one with `puck create NAME`.");
  else {
    const headers = all ? ["NAMESPACE", ...TOP_HEADERS] : TOP_HEADERS;
    const rows = sprites.map((s) => (all ? [s.metadata.namespace ?? "", ...topRow(s, input.now)] : topRow(s, input.now)));
    lines.push(...renderTable(headers, rows).trimEnd().split("\n"));
    const activity = sprites.flatMap((s) => activityLines(s, input.now));
    if (activity.length > 0) lines.push("", "Activity:", ...activity);
  }
  if (input.footer) lines.push("", input.footer);
  const cut = input.columns ? (l: string) => (l.length > input.columns! ? l.slice(0, input.columns) : l) : (l: string) => l;
  return lines.map(cut).join("\n") + "\n";
}
