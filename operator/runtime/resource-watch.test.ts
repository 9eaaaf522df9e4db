// The supervised list+watch against a scripted API server: 410 relists, resumed watches.
import { describe, expect, it } from "vitest";
import type { KubeClient, KubeList, KubeObject, WatchEvent } from "../../kube/client.js";
import type { Query } from "../../kube/paths.js";
import { makeLogger } from "./logger.js";
import { Metrics } from "./metrics.js";
import { ResourceWatch } from "./resource-watch.js";

const obj = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion: rv } });

/** A scripted API server at the client boundary: each list and each watch call plays the next script. */
function scriptedClient(lists: KubeList[], watches: ((emit: (e: WatchEvent) => void, query: Record<string, unknown>) => void)[]) {
  const watchQueries: Record<string, unknown>[] = [];
  let stop: () => void = () => {};
  const client = {
    request: async <T>() => {
      const next = lists.shift();
      if (!next) throw new Error("no more lists scripted");
      return next as T;
    },
    watch: async (_path: string, query: Query | undefined, onEvent: (e: WatchEvent) => void) => {
      watchQueries.push(query ?? {});
      const script = watches.shift();
      if (!script) {
        stop();
        return;
      }
      script(onEvent, query ?? {});
    },
  } as unknown as KubeClient;
  return { client, watchQueries, onExhausted: (fn: () => void) => (stop = fn) };
}

describe("ResourceWatch", () => {
  it("relists after 410 Gone, reporting objects deleted while it was not watching, then watches from the new list", async () => {
    const seen: string[] = [];
    const { client, watchQueries, onExhausted } = scriptedClient(
      [
        { metadata: { resourceVersion: "10" }, items: [obj("a", "9")] },
        { metadata: { resourceVersion: "20" }, items: [obj("b", "19")] },
      ],
      [
        (emit) => {
          emit({ type: "ADDED", object: obj("b", "11") });
          emit({ type: "ERROR", object: { metadata: { name: "" }, code: 410, message: "too old resource version" } as unknown as KubeObject });
        },
      ],
    );
    const watch = new ResourceWatch(
      client,
      { resource: "statefulsets", resyncMs: 60_000 },
      (o, deleted) => seen.push(`${deleted ? "-" : "+"}${o.metadata.name}`),
      makeLogger({ level: "error", write: () => {} }),
      new Metrics(),
    );
    onExhausted(() => watch.stop());
    await watch.run();
    expect(seen).toEqual(["+a", "+b", "-a", "+b"]);
    expect(watchQueries.map((q) => q.resourceVersion)).toEqual(["10", "20"]);
    expect(watch.get("ns", "b")?.metadata.resourceVersion).toBe("19");
    expect(watch.get("ns", "a")).toBeUndefined();
  });

  it("re-watches from the last resourceVersion it saw when the server ends a stream", async () => {
    const { client, watchQueries, onExhausted } = scriptedClient(
      [{ metadata: { resourceVersion: "10" }, items: [] }],
      [(emit) => emit({ type: "BOOKMARK", object: obj("", "15") }), (emit) => emit({ type: "MODIFIED", object: obj("c", "16") })],
    );
    const watch = new ResourceWatch(client, { resource: "pods", resyncMs: 60_000 }, () => {}, makeLogger({ level: "error", write: () => {} }), new Metrics());
    onExhausted(() => watch.stop());
    await watch.run();
    expect(watchQueries.map((q) => q.resourceVersion)).toEqual(["10", "15", "16"]);
  });
});
