// ensure() against a scripted API server: create, update, no-op, and stale-cache recovery.
import { describe, expect, it } from "vitest";
import { ensure } from "./ensure.js";
import type { KubeClient, KubeObject, Verb } from "../../kube/client.js";
import { httpError, KubeError } from "../../kube/errors.js";

type Reply = KubeObject | KubeError;

/** The API server at the client boundary: answers each request from a script and records it. */
function scripted(replies: Reply[]) {
  const calls: string[] = [];
  const bodies: unknown[] = [];
  const client = {
    request: async <T>(verb: Verb, path: string, options?: { body?: unknown }) => {
      calls.push(`${verb} ${path}`);
      bodies.push(options?.body);
      const reply = replies.shift();
      if (!reply) throw new Error(`unscripted ${verb} ${path}`);
      if (reply instanceof KubeError) throw reply;
      return reply as T;
    },
    watch: async () => {},
  } as unknown as KubeClient;
  return { client, calls, bodies };
}

const desired = { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "ns", labels: { a: "1" } }, spec: { clusterIP: "None" } };
const live = (rv: string, spec: Record<string, unknown>): KubeObject => ({
  metadata: { name: "s", namespace: "ns", resourceVersion: rv, labels: { a: "1", extra: "kept" } },
  spec,
});
const status = (code: number, reason: string) => JSON.stringify({ kind: "Status", code, reason, message: reason });
const conflict = httpError("PUT", 409, status(409, "Conflict"));
const cacheOf = (object: KubeObject | null) => ({ get: () => object });

describe("ensure", () => {
  it("does nothing, not even a GET, when the cached object already matches", async () => {
    const { client, calls } = scripted([]);
    const result = await ensure(client, "services", desired, ["spec"], cacheOf(live("1", { clusterIP: "None", type: "ClusterIP" })));
    expect([result.action, calls]).toEqual(["unchanged", []]);
  });

  it("creates a missing object", async () => {
    const { client, calls } = scripted([live("1", { clusterIP: "None" })]);
    expect((await ensure(client, "services", desired, ["spec"], cacheOf(null))).action).toBe("created");
    expect(calls).toEqual(["POST /api/v1/namespaces/ns/services"]);
  });

  it("falls back to a fresh read when the cache wrongly says missing", async () => {
    const { client, calls } = scripted([httpError("POST", 409, status(409, "AlreadyExists")), live("2", { clusterIP: "None" })]);
    expect((await ensure(client, "services", desired, ["spec"], cacheOf(null))).action).toBe("unchanged");
    expect(calls).toEqual(["POST /api/v1/namespaces/ns/services", "GET /api/v1/namespaces/ns/services/s"]);
  });

  it("updates a changed object with the resourceVersion it read, keeping others' labels; a conflict re-reads once", async () => {
    const { client, calls, bodies } = scripted([conflict, live("3", { clusterIP: "10.0.0.1" }), live("4", { clusterIP: "None" })]);
    const result = await ensure(client, "services", desired, ["spec"], cacheOf(live("1", { clusterIP: "10.0.0.1" })));
    expect(result).toMatchObject({ action: "updated", difference: "spec.clusterIP" });
    expect(calls).toEqual(["PUT /api/v1/namespaces/ns/services/s", "GET /api/v1/namespaces/ns/services/s", "PUT /api/v1/namespaces/ns/services/s"]);
    expect(bodies[2]).toEqual({ metadata: { name: "s", namespace: "ns", resourceVersion: "3", labels: { a: "1", extra: "kept" } }, spec: { clusterIP: "None" } });
  });

  it("gives up after a second conflict, naming what it was doing", async () => {
    const { client } = scripted([conflict, live("3", { clusterIP: "x" }), conflict]);
    await expect(ensure(client, "services", desired, ["spec"], cacheOf(live("1", { clusterIP: "x" })))).rejects.toThrow("update services ns/s");
  });
});
