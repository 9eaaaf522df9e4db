// The built agent as a host process against the real API server (through kubectl proxy): it
// survives a missing Sprite and reports once it appears, and picks up spec changes through its watch.
// @needs: cluster
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installCrd, kubectl, makeNamespace } from "../lib/cluster.js";
import { waitFor } from "../lib/wait.js";
import { serverAccess } from "../../kube/access.js";
import { createKubeClient } from "../../kube/client.js";
import { makeLogger } from "../../agent/logger.js";
import { watchSprite } from "../../agent/sprite-watcher.js";
import { createSprite, readSprite } from "../lib/sprites.js";
import { startHostAgent, startProxy, type HostAgent } from "../lib/host-agent.js";

let ns: { name: string; remove: () => Promise<void> };
let proxy: { url: string; stop: () => void };
let agent: HostAgent | undefined;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  await installCrd();
  ns = await makeNamespace("agent-host");
  proxy = await startProxy();
});

afterAll(async () => {
  for (const c of cleanups) c();
  await agent?.stop();
  proxy?.stop();
  await ns?.remove();
});

describe("the agent on a host against the real API server", () => {
  it("keeps running while its Sprite is missing, then reports as soon as it exists", async () => {
    // The test's own kubectl calls would be its children, hence sessions: give the agent a
    // stand-in runtime without children instead.
    const parent = spawn("sleep", ["600"], { stdio: "ignore" });
    cleanups.push(() => parent.kill());
    agent = await startHostAgent({ namespace: ns.name, name: "late", apiUrl: proxy.url, sessionParentPid: parent.pid! });
    // A failed publish ends the activity loop; its supervisor logs it and restarts it with backoff.
    await waitFor(() => /Loop activity failed; restarting.*patch status.*HTTP 404/.test(agent!.logs()) || undefined, { what: "a failed publish to the missing Sprite", timeoutMs: 10_000, describe: agent.logs });
    expect(agent.child.exitCode).toBeNull();

    await createSprite(ns.name, "late", { idleTimeoutMinutes: 30 });
    const sprite = await waitFor(async () => {
      const s = await readSprite(ns.name, "late");
      return s.status?.activity?.reportTime ? s : undefined;
    }, { what: "the first report after the Sprite appeared", timeoutMs: 45_000, describe: () => agent!.logs().split("\n").slice(-8) });
    // (Not activeSessions: on a shared host, other people's terminals count too.)
    expect(sprite.status?.activity?.agentStartTime).toBeDefined();
    expect(agent.child.exitCode).toBeNull();
  });

  it("relists its Sprite after 410 Gone (a compacted resourceVersion) instead of failing", async () => {
    const lines: string[] = [];
    const seen: unknown[] = [];
    const abort = new AbortController();
    const watching = watchSprite({
      client: createKubeClient(serverAccess({ server: proxy.url })),
      namespace: ns.name,
      name: "late",
      log: makeLogger({ level: "debug", write: (l) => lines.push(l) }),
      signal: abort.signal,
      onSprite: (s) => seen.push(s?.metadata.name),
      resourceVersion: "1", // long compacted on any cluster that has run for minutes
    });
    try {
      await waitFor(() => seen.length > 0 || undefined, { what: "the Sprite from the relist", timeoutMs: 10_000, describe: () => ({ seen, lines }) });
    } finally {
      abort.abort();
      await watching;
    }
    expect(seen).toEqual(["late"]);
    expect(lines.join("")).toContain("Relisted the Sprite after its watch expired (410 Gone)");
    expect(lines.join("")).not.toContain("Restarting the Sprite watch");
  });

  it("follows spec changes through its watch", async () => {
    await kubectl(["patch", "sprite", "late", "-n", ns.name, "--type=merge", "-p", JSON.stringify({ spec: { activity: { busyCommands: ["(unclosed"] } } })]);
    await waitFor(() => agent!.logs().includes("Ignored busyCommands pattern that is not a regular expression") || undefined, {
      what: "the agent to read the new spec",
      timeoutMs: 10_000,
      describe: () => agent!.logs().split("\n").slice(-8),
    });
  });
});
