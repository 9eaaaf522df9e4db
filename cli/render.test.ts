import { describe, expect, it } from "vitest";
import type { Sprite, SpriteStatus } from "../operator/api/index.js";
import { renderDescribe } from "./render-describe.js";
import { listName, listRow, hibernatesIn } from "./render-list.js";
import { diskColumn, renderTopFrame } from "./render-top.js";
import { renderTable } from "./output.js";

const now = new Date("2026-01-01T12:00:00Z");
const sprite = (name: string, status?: SpriteStatus, spec: Partial<Sprite["spec"]> = {}): Sprite => ({
  apiVersion: "puck.sandwich.labs/v1alpha1",
  kind: "Sprite",
  metadata: { name, namespace: "lab", creationTimestamp: "2026-01-01T10:00:00Z" },
  spec: { image: "puck-sprite:dev", storageSize: "10Gi", idleTimeoutMinutes: 30, ...spec },
  ...(status ? { status } : {}),
});

const busyDev = sprite("dev", {
  phase: "Active",
  podName: "dev-0",
  activeSessions: 1,
  lastActiveTime: "2026-01-01T11:58:00Z",
  reason: "SessionActive",
  message: "1 terminal session is active",
  conditions: [{ type: "Ready", status: "True", reason: "PodReady", lastTransitionTime: "2026-01-01T11:00:00Z" }],
  activity: {
    reportTime: "2026-01-01T11:59:58Z",
    cpuPercent: 97,
    processCount: 12,
    sessions: [{ kind: "terminal", tty: "pts/0", user: "sprite", command: "bash", pid: 42, active: true, lastActivityTime: "2026-01-01T11:58:00Z" }],
    busyProcesses: [{ pid: 77, user: "sprite", command: "make -j2", cpuPercent: 95, reason: "Cpu" }],
  },
  disk: { usedBytes: 3 * 1024 ** 3, totalBytes: 10 * 1024 ** 3, availableBytes: 7 * 1024 ** 3 },
});
const idleWeb = sprite("web", { phase: "Active", activeSessions: 0, hibernatesAt: "2026-01-01T12:25:00Z", reason: "IdleTimeoutPending", lastActiveTime: "2026-01-01T11:55:00Z" });
const sleeping = sprite("old", {
  phase: "Hibernating",
  hibernatedAt: "2026-01-01T11:00:00Z",
  reason: "Idle",
  disk: { usedBytes: 9.5 * 1024 ** 3, totalBytes: 10 * 1024 ** 3, availableBytes: 0.5 * 1024 ** 3 },
});

describe("list rows", () => {
  it.each([
    ["a busy Sprite shows its sessions and why it stays up", busyDev, ["dev", "Active", "1", "2m", "(SessionActive)", "2h"]],
    ["an idle Sprite counts down to hibernation", idleWeb, ["web", "Active", "0", "5m", "25m", "2h"]],
    ["a hibernated Sprite has no sessions and no countdown", sleeping, ["old", "Hibernating", "-", "-", "-", "2h"]],
    ["a Sprite without status yet is Pending", sprite("new"), ["new", "Pending", "-", "-", "-", "2h"]],
  ])("%s", (_name, input, expected) => {
    expect(listRow(input, now, false)).toEqual(expected);
  });

  it("wide rows add the reason, image, storage, disk use, pod, update and URLs", () => {
    expect(listRow(busyDev, now, true).slice(6)).toEqual(["SessionActive", "puck-sprite:dev", "10Gi", "3.0G/10G (30%)", "dev-0", "-", "-"]);
  });
  it("a wide row names a node that is down as the reason, over why the Sprite hibernated", () => {
    const stranded = sprite("old", {
      ...sleeping.status,
      conditions: [{ type: "Ready", status: "False", reason: "NodeNotReady", message: "The Sprite is hibernating and cannot wake until its node is back: …", lastTransitionTime: "2026-01-01T11:30:00Z" }],
    });
    expect(listRow(stranded, now, true)[6]).toBe("NodeNotReady");
    expect(listRow(sleeping, now, true)[6]).toBe("Idle");
  });
  it("wide rows mark a pending update: held for Puck's own change, a countdown for the user's", () => {
    const pending = (reason: string, restartsAt?: string) =>
      sprite("dev", {
        ...busyDev.status,
        ...(restartsAt ? { restartsAt } : {}),
        conditions: [{ type: "UpdatePending", status: "True", reason, message: "waits", lastTransitionTime: "2026-01-01T11:00:00Z" }],
      });
    expect(listRow(pending("HeldWhileInUse"), now, true)[11]).toBe("held");
    expect(listRow(pending("RestartScheduled", "2026-01-01T12:02:00Z"), now, true)[11]).toBe("restart in 2m");
    expect(renderDescribe(pending("HeldWhileInUse"), [], now)).toMatch(/Update: +pending, held until nobody uses the Sprite or it hibernates \(HeldWhileInUse\): waits/);
    expect(renderDescribe(pending("RestartScheduled", "2026-01-01T12:02:00Z"), [], now)).toMatch(/Update: +pending: the pod restarts in 2m/);
    // A restart scheduled where the API server dropped status.restartsAt (a CRD older than the operator).
    expect(listRow(pending("RestartScheduled"), now, true)[11]).toBe("restart");
    expect(renderDescribe(pending("RestartScheduled"), [], now)).toMatch(/Update: +pending: waits/);
    const applied = sprite("dev", { ...busyDev.status, conditions: [{ type: "UpdatePending", status: "False", reason: "UpToDate", lastTransitionTime: "2026-01-01T11:00:00Z" }] });
    expect(listRow(applied, now, true)[11]).toBe("-");
    expect(renderDescribe(applied, [], now)).not.toContain("Update:");
  });
  it("a hibernated Sprite keeps showing its last disk figures; a Sprite never reported shows none", () => {
    expect(listRow(sleeping, now, true)[9]).toBe("9.5G/10G (95%)");
    expect(listRow(idleWeb, now, true)[9]).toBe("-");
  });

  it("-o name names the namespace too when the list spans every namespace, watching or not", () => {
    const web = { ...idleWeb, metadata: { ...idleWeb.metadata, namespace: "lab" } };
    expect(listName(web, false)).toBe("web");
    expect(listName(web, true)).toBe("lab/web");
  });

  it("an overdue hibernation reads now", () => {
    expect(hibernatesIn(sprite("x", { phase: "Active", hibernatesAt: "2026-01-01T11:00:00Z" }), now)).toBe("now");
  });

  it("tables align columns three spaces apart", () => {
    expect(renderTable(["NAME", "PHASE"], [["dev", "Active"], ["website", "Hibernating"]])).toBe(
      "NAME      PHASE\ndev       Active\nwebsite   Hibernating\n",
    );
  });
});

describe("describe", () => {
  const text = renderDescribe(busyDev, [
    { type: "Normal", reason: "Woke", message: "Scaled StatefulSet to 1", lastTimestamp: "2026-01-01T11:00:00Z", metadata: {}, involvedObject: { kind: "Sprite", name: "dev" } },
  ], now);
  it.each([
    ["the spec", /Image:\s+puck-sprite:dev/],
    ["the idle timeout", /Idle timeout:\s+30m/],
    ["why it is awake", /Reason:\s+SessionActive: 1 terminal session is active/],
    ["that it will not hibernate while busy", /Hibernates:\s+not while it is busy \(SessionActive\)/],
    ["the conditions", /Ready\s+True\s+PodReady\s+1h/],
    ["the sessions", /terminal\s+pts\/0\s+sprite\s+42\s+yes\s+2m\s+bash/],
    ["the busy processes", /77\s+sprite\s+95%\s+Cpu\s+make -j2/],
    ["the events with their object", /1h\s+Normal\s+Woke\s+sprite\/dev\s+Scaled StatefulSet to 1/],
    ["CPU use", /CPU:\s+97% of a core, 12 processes/],
    ["disk use", /Disk:\s+3\.0G of 10G used \(30%\)\n/],
  ])("shows %s", (_name, pattern) => {
    expect(text).toMatch(pattern);
  });

  it("shows how much data moved on the network, and whether it keeps the Sprite awake", () => {
    const status = { ...busyDev.status, activity: { ...busyDev.status?.activity, reportTime: "2026-01-01T11:59:50Z", network: { active: true, bytes: 3_355_443, windowSeconds: 300, lastMovedTime: "2026-01-01T11:59:40Z" } } };
    expect(renderDescribe({ ...busyDev, status }, [], now)).toMatch(/Network:\s+3\.2M in the last 5 min, data last moved 20s ago \(keeps it awake\)\n/);
  });

  it("an idle Sprite says since when it is idle and when it hibernates", () => {
    expect(renderDescribe(idleWeb, [], now)).toMatch(/Hibernates:\s+idle since 2026-01-01T11:55:00.000Z \(5m ago\), hibernates at 2026-01-01T12:25:00Z \(in 25m\) unless there is activity\n/);
  });

  // Data last moved 17 minutes ago on a 30-minute timeout, nothing moves now: recency, like a terminal's last input.
  const quietAfterDownload = sprite("dl", {
    phase: "Active",
    activeSessions: 0,
    lastActiveTime: "2026-01-01T11:43:00.000Z",
    hibernatesAt: "2026-01-01T12:13:00.000Z",
    reason: "IdleTimeoutPending",
    message: "Idle since 2026-01-01T11:43:00.000Z (data last moved on the network): hibernates when the idle timeout runs out.",
    activity: { reportTime: "2026-01-01T11:59:40Z", sessions: [], busyProcesses: [], network: { active: false, bytes: 152_000, windowSeconds: 300, lastMovedTime: "2026-01-01T11:43:00.000Z" } },
  });
  it("after a download ends, counts down from when data last moved, and the network keeps nothing awake", () => {
    const text = renderDescribe(quietAfterDownload, [], now);
    expect(text).toMatch(/Reason:\s+IdleTimeoutPending: Idle since 2026-01-01T11:43:00.000Z \(data last moved on the network\)/);
    expect(text).toMatch(/Hibernates:\s+idle since 2026-01-01T11:43:00.000Z \(17m ago\), hibernates at 2026-01-01T12:13:00.000Z \(in 13m\) unless there is activity\n/);
    expect(text).toMatch(/Network:\s+\S+ in the last 5 min, data last moved 17m ago\n/);
    expect(text).not.toContain("keeps it awake");
    expect(hibernatesIn(quietAfterDownload, now)).toBe("13m");
    expect(renderTopFrame({ namespace: "lab", sprites: [quietAfterDownload], now })).not.toContain("network");
  });
  it("an idle Sprite woken by a connect is idle since the connect", () => {
    const connected = sprite("web", { ...idleWeb.status, wokeAt: "2026-01-01T11:50:00Z" }, { wakeRequestedAt: "2026-01-01T11:57:00Z" });
    expect(renderDescribe(connected, [], now)).toMatch(/Hibernates:\s+idle since 2026-01-01T11:57:00.000Z \(3m ago\), hibernates at/);
  });
  it("a nearly full home says so, with the fix", () => {
    expect(renderDescribe(sleeping, [], now)).toMatch(/Disk:\s+9\.5G of 10G used \(95%\) — almost full: free some space or grow it/);
  });
  it("says what persists, which image the system came from, and the earlier systems kept with the command that deletes them", () => {
    const volume = {
      layout: 2,
      system: { name: "system", image: "puck-sprite:v2", seededAt: "2026-01-01T11:00:00Z", bytes: 300 * 1024 ** 2 },
      previousSystems: [{ name: "previous/20251201T000000Z", image: "puck-sprite:v1", bytes: 250 * 1024 ** 2 }],
    };
    const t = renderDescribe({ ...idleWeb, spec: { ...idleWeb.spec, image: "puck-sprite:v2" }, status: { ...idleWeb.status, volume } }, [], now);
    expect(t).toMatch(/Persist:\s+machine \(the whole disk: the system and the home\)/);
    expect(t).toMatch(/System:\s+seeded from puck-sprite:v2 1h ago, 300M then\n/);
    expect(t).toMatch(/Earlier systems:\s+1 kept on the volume, 250M: previous\/20251201T000000Z \(puck-sprite:v1\); `puck prune-systems web` deletes them/);
    const changed = renderDescribe({ ...idleWeb, spec: { ...idleWeb.spec, image: "puck-sprite:v3" }, status: { ...idleWeb.status, volume } }, [], now);
    expect(changed).toMatch(/its next start seeds a new one from puck-sprite:v3 and keeps this one/);
    const homeOnly = renderDescribe({ ...idleWeb, spec: { ...idleWeb.spec, persist: "home" } }, [], now);
    expect(homeOnly).toMatch(/Persist:\s+home \(only the home/);
    expect(homeOnly).not.toMatch(/System:/);
  });
  it("a hibernated Sprite says how to wake it, and empty sections say <none>", () => {
    const t = renderDescribe(sleeping, [], now);
    expect(t).toMatch(/hibernated 1h ago; `puck connect old` wakes it/);
    expect(t).toMatch(/Sessions:\n {2}<none>/);
  });
});

describe("top frame", () => {
  const frame = renderTopFrame({ namespace: "lab", sprites: [idleWeb, sleeping, busyDev], now, footer: "q or Ctrl-C to quit" });
  it("has a header with counts and the clock", () => {
    expect(frame.split("\n")[0]).toBe("puck top · namespace lab · 3 Sprites, 2 active · 12:00:00 UTC");
  });
  it("lists Sprites by name with sessions, busy count, CPU, disk use and countdown", () => {
    const rows = frame.split("\n").filter((l) => /^(dev|old|web) /.test(l));
    expect(rows.map((r) => r.split(/\s{2,}/))).toEqual([
      ["dev", "Active", "1", "1", "-", "97%", "3.0G/10G (30%)", "(SessionActive)", "SessionActive"],
      ["old", "Hibernating", "-", "-", "-", "-", "9.5G/10G (95%)", "-", "Idle"],
      ["web", "Active", "0", "-", "-", "-", "-", "25m", "IdleTimeoutPending"],
    ]);
  });
  it("shows the volume's own use against its size once measured, and OVER past it", () => {
    const measured = (volumeBytes: number) => ({ ...busyDev, spec: { ...busyDev.spec, storageSize: "10Gi" }, status: { ...busyDev.status, disk: { usedBytes: 500 * 1024 ** 3, totalBytes: 1000 * 1024 ** 3, volumeBytes } } });
    expect(diskColumn(measured(3 * 1024 ** 3))).toBe("3.0G/10Gi");
    expect(diskColumn(measured(12 * 1024 ** 3))).toBe("12G/10Gi OVER");
    expect(renderDescribe(measured(12 * 1024 ** 3), [], now)).toMatch(/Volume: +holds 12G of its 10Gi — past its size: free some space or grow it/);
  });
  it("details each session and busy process", () => {
    expect(frame).toContain("dev terminal pts/0 bash (pid 42, idle 2m)");
    expect(frame).toContain("dev  busy make -j2 (pid 77, 95% cpu, Cpu)");
  });
  it("names the network traffic that keeps a Sprite awake, and not traffic that does not", () => {
    const withNetwork = (active: boolean) => ({ ...busyDev, status: { ...busyDev.status, activity: { ...busyDev.status?.activity, reportTime: "2026-01-01T11:59:50Z", network: { active, bytes: 3_355_443, windowSeconds: 60 } } } });
    expect(renderTopFrame({ namespace: "lab", sprites: [withNetwork(true)], now })).toContain("dev  network 3.2M in the last 1 min (keeps it awake)");
    expect(renderTopFrame({ namespace: "lab", sprites: [withNetwork(false)], now })).not.toContain("network");
  });
  it("ends with the footer", () => expect(frame.trimEnd().endsWith("q or Ctrl-C to quit")).toBe(true));
  it("cuts lines to the terminal width so the frame redraws in place", () => {
    const narrow = renderTopFrame({ namespace: "lab", sprites: [busyDev], now, columns: 20 });
    expect(Math.max(...narrow.split("\n").map((l) => l.length))).toBeLessThanOrEqual(20);
  });
  it("an empty namespace says how to create a Sprite", () => {
    expect(renderTopFrame({ namespace: "lab", sprites: [], now })).toContain("No Sprites. Create one with `puck create NAME`.");
  });
  it("with -A, names every namespace and each row's, sorted by namespace then name", () => {
    const elsewhere = { ...idleWeb, metadata: { ...idleWeb.metadata, namespace: "alpha" } };
    const all = renderTopFrame({ namespace: "lab", allNamespaces: true, sprites: [idleWeb, elsewhere], now });
    expect(all.split("\n")[0]).toMatch(/^puck top · all namespaces · 2 Sprites/);
    const lines = all.split("\n");
    const header = lines.findIndex((l) => l.startsWith("NAMESPACE"));
    expect(header).toBeGreaterThan(0);
    expect(lines.slice(header + 1, header + 3).map((l) => l.split(/\s{2,}/).slice(0, 2))).toEqual([
      ["alpha", "web"],
      [idleWeb.metadata.namespace ?? "", "web"],
    ]);
  });
});
