// The built agent as a host process against the real API server (through kubectl proxy): it
// survives a missing Sprite and reports once it appears, and picks up spec changes through its watch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installCrd, kubectl, makeNamespace } from "../lib/cluster.js";
import { waitFor } from "../lib/wait.js";
import { createSprite, getSprite, startHostAgent, startProxy, type HostAgent } from "./host-agent.js";

let ns: { name: string; remove: () => Promise<void> };
let proxy: { url: string; stop: () => void };
let agent: HostAgent | undefined;

beforeAll(async () => {
  await installCrd();
  ns = await makeNamespace("agent-host");
  proxy = await startProxy();
});

afterAll(async () => {
  await agent?.stop();
  proxy?.stop();
  await ns?.remove();
});

describe("the agent on a host against the real API server", () => {
  it("keeps running while its Sprite is missing, then reports as soon as it exists", async () => {
    agent = await startHostAgent({ namespace: ns.name, name: "late", apiUrl: proxy.url });
    await waitFor(() => /Failed to publish activity.*HTTP 404/.test(agent!.logs()) || undefined, { what: "a failed publish to the missing Sprite", timeoutMs: 10_000, describe: agent.logs });
    expect(agent.child.exitCode).toBeNull();

    await createSprite(ns.name, "late", { idleTimeoutMinutes: 30 });
    const sprite = await waitFor(async () => {
      const s = await getSprite(ns.name, "late");
      return s.status?.activity?.reportTime ? s : undefined;
    }, { what: "the first report after the Sprite appeared", timeoutMs: 45_000, describe: () => agent!.logs().split("\n").slice(-8) });
    expect(sprite.status?.activeSessions).toBe(0);
    expect(agent.child.exitCode).toBeNull();
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
