// The list+watch loop's decisions: what each event asks for, relists on 410, re-watches from the last
// resourceVersion, backs off after failures. Driven by a scripted client at the client boundary.
import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.js";
import type { KubeClient, KubeList, KubeObject, WatchEvent } from "./client.js";
import { httpError, LOCAL_REASON, localError } from "./errors.js";
import { listWatch, stepOf } from "./list-watch.js";
import type { Query } from "./paths.js";

const obj = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: "ns", resourceVersion: rv } });
const statusObject = (code: number, message: string) => ({ kind: "Status", code, message }) as unknown as KubeObject;

describe("stepOf", () => {
  it.each<[string, WatchEvent, string, string | undefined]>([
    ["a change is delivered and moves the resourceVersion", { type: "MODIFIED", object: obj("a", "7") }, "deliver", "7"],
    ["a deletion is delivered", { type: "DELETED", object: obj("a", "8") }, "deliver", "8"],
    ["a bookmark only moves the resourceVersion", { type: "BOOKMARK", object: obj("", "9") }, "bookmark", "9"],
    ["an ERROR with 410 means relist", { type: "ERROR", object: statusObject(410, "too old resource version") }, "gone", undefined],
    ["any other ERROR is a failure", { type: "ERROR", object: statusObject(500, "boom") }, "error", undefined],
  ])("%s", (_name, event, kind, rv) => {
    const step = stepOf(event);
    expect(step.kind).toBe(kind);
    if ("resourceVersion" in step) expect(step.resourceVersion).toBe(rv);
  });
});

type Script = (emit: (e: WatchEvent) => void) => void;

/** Each list call answers the next list (or throws it), each watch call plays the next script; when both run out the loop is stopped. */
function scripted(lists: (KubeList | Error)[], watches: Script[]) {
  const abort = new AbortController();
  const calls: string[] = [];
  const client = {
    request: async <T>(_verb: string, _path: string, options?: { query?: Query }) => {
      calls.push(`list${options?.query?.continue ? ` continue=${options.query.continue}` : ""}`);
      const next = lists.shift();
      if (next === undefined) {
        abort.abort();
        return { metadata: { resourceVersion: "0" }, items: [] } as T;
      }
      if (next instanceof Error) throw next;
      return next as T;
    },
    watch: async (_path: string, query: Query | undefined, onEvent: (e: WatchEvent) => void) => {
      calls.push(`watch rv=${query?.resourceVersion} bookmarks=${query?.allowWatchBookmarks}`);
      const script = watches.shift();
      if (!script) return abort.abort();
      script(onEvent);
    },
  } as unknown as KubeClient;
  return { client, calls, signal: abort.signal };
}

const noDelay = () => new Backoff({ initialMs: 0, maxMs: 0 });

describe("listWatch", () => {
  it("relists after 410 Gone and watches from the new list", async () => {
    const { client, calls, signal } = scripted(
      [
        { metadata: { resourceVersion: "10" }, items: [obj("a", "9")] },
        { metadata: { resourceVersion: "20" }, items: [obj("b", "19")] },
      ],
      [
        (emit) => {
          emit({ type: "ADDED", object: obj("b", "11") });
          emit({ type: "ERROR", object: statusObject(410, "too old") });
        },
      ],
    );
    const seen: string[] = [];
    const restarts: string[] = [];
    await listWatch<KubeObject>({
      client,
      path: "/p",
      signal,
      backoff: noDelay(),
      onList: (items, rv) => seen.push(`list@${rv}:${items.map((i) => i.metadata.name).join(",")}`),
      onEvent: (e) => seen.push(`${e.type} ${e.object.metadata.name}`),
      onRestart: (why) => restarts.push(why),
    });
    expect(seen).toEqual(["list@10:a", "ADDED b", "list@20:b"]);
    expect(restarts).toEqual(["gone"]);
    expect(calls.slice(0, 4)).toEqual(["list", "watch rv=10 bookmarks=true", "list", "watch rv=20 bookmarks=true"]);
  });

  it("re-watches from the last resourceVersion seen, bookmarks included, when the server ends a watch", async () => {
    const { client, calls, signal } = scripted(
      [{ metadata: { resourceVersion: "10" }, items: [] }],
      [(emit) => emit({ type: "BOOKMARK", object: obj("", "15") }), (emit) => emit({ type: "MODIFIED", object: obj("c", "16") })],
    );
    await listWatch<KubeObject>({ client, path: "/p", signal, backoff: noDelay(), onList: () => {}, onEvent: () => {} });
    expect(calls).toEqual(["list", "watch rv=10 bookmarks=true", "watch rv=15 bookmarks=true", "watch rv=16 bookmarks=true"]);
  });

  it("lists every page before reporting the list", async () => {
    const { client, calls, signal } = scripted(
      [
        { metadata: { resourceVersion: "5", continue: "page2" }, items: [obj("a", "1")] },
        { metadata: { resourceVersion: "5" }, items: [obj("b", "2")] },
      ],
      [],
    );
    const lists: string[][] = [];
    await listWatch<KubeObject>({ client, path: "/p", signal, backoff: noDelay(), onList: (items) => lists.push(items.map((i) => i.metadata.name)), onEvent: () => {} });
    expect(calls.slice(0, 2)).toEqual(["list", "list continue=page2"]);
    expect(lists).toEqual([["a", "b"]]);
  });

  it("after a failure reports it with the delay, then relists", async () => {
    const { client, calls, signal } = scripted(
      [httpError("GET /p", 503, "unavailable"), { metadata: { resourceVersion: "3" }, items: [] }],
      [(emit) => emit({ type: "ERROR", object: statusObject(500, "internal") })],
    );
    const errors: string[] = [];
    await listWatch<KubeObject>({ client, path: "/p", signal, backoff: noDelay(), onList: () => {}, onEvent: () => {}, onError: (e, ms) => errors.push(`${(e as Error).message} +${ms}`) });
    expect(errors).toEqual(["GET /p: HTTP 503 unavailable +0", "watch error 500: internal +0"]);
    expect(calls.slice(0, 4)).toEqual(["list", "list", "watch rv=3 bookmarks=true", "list"]);
  });

  it("resumes a watch that went silent from the last resourceVersion seen (a bookmark's), without a relist or an error", async () => {
    const { client, calls, signal } = scripted(
      [{ metadata: { resourceVersion: "10" }, items: [] }],
      [
        (emit) => {
          emit({ type: "ADDED", object: obj("a", "11") });
          emit({ type: "BOOKMARK", object: obj("", "14") });
          throw localError("WATCH /p", LOCAL_REASON.watchSilent, "no bytes for 75000 ms");
        },
        () => {
          throw localError("WATCH /p", LOCAL_REASON.watchSilent, "no answer within 75000 ms");
        },
        (emit) => emit({ type: "ADDED", object: obj("b", "15") }),
      ],
    );
    const seen: string[] = [];
    const restarts: string[] = [];
    const errors: unknown[] = [];
    const lists: string[] = [];
    await listWatch<KubeObject>({
      client,
      path: "/p",
      signal,
      backoff: noDelay(),
      onList: (_items, rv) => lists.push(rv),
      onEvent: (e) => seen.push(`${e.type} ${e.object.metadata.name}`),
      onRestart: (why) => restarts.push(why),
      onError: (e) => errors.push(e),
    });
    expect(calls.slice(0, 4)).toEqual(["list", "watch rv=10 bookmarks=true", "watch rv=14 bookmarks=true", "watch rv=14 bookmarks=true"]);
    expect(calls[4]).toBe("watch rv=15 bookmarks=true");
    expect(lists).toEqual(["10"]);
    expect(seen).toEqual(["ADDED a", "ADDED b"]);
    expect(restarts.slice(0, 3)).toEqual(["silent", "silent", "ended"]);
    expect(errors).toEqual([]);
  });

  it("backs off between silent watches, and a watch that delivers starts the backoff small again", async () => {
    const silent = () => {
      throw localError("WATCH /p", LOCAL_REASON.watchSilent, "no bytes");
    };
    const { client, signal } = scripted(
      [{ metadata: { resourceVersion: "10" }, items: [] }],
      [silent, silent, silent, (emit) => emit({ type: "BOOKMARK", object: obj("", "12") }), silent],
    );
    const delays: number[] = [];
    const backoff = new Backoff({ initialMs: 1, maxMs: 8, jitter: 0 });
    const next = backoff.next.bind(backoff);
    backoff.next = () => {
      const ms = next();
      delays.push(ms);
      return ms;
    };
    await listWatch<KubeObject>({ client, path: "/p", signal, backoff, onList: () => {}, onEvent: () => {} });
    expect(delays).toEqual([1, 2, 4, 1]);
  });

  it("a relist resets the periodic resync, a resumed silent watch does not", async () => {
    let clock = 0;
    const silentAfter = (ms: number) => () => {
      clock += ms;
      throw localError("WATCH /p", LOCAL_REASON.watchSilent, "no bytes");
    };
    const { client, calls, signal } = scripted(
      [{ metadata: { resourceVersion: "10" }, items: [] }, { metadata: { resourceVersion: "20" }, items: [] }],
      [silentAfter(60_000), silentAfter(60_000)],
    );
    await listWatch<KubeObject>({ client, path: "/p", signal, backoff: noDelay(), now: () => clock, resyncMs: 100_000, onList: () => {}, onEvent: () => {} });
    // 60 s, then 120 s in: past the resync at 100 s, so a list comes instead of a third watch.
    expect(calls.slice(0, 4)).toEqual(["list", "watch rv=10 bookmarks=true", "watch rv=10 bookmarks=true", "list"]);
  });

  it("starts with a watch when given the resourceVersion of a list the caller already made", async () => {
    const { client, calls, signal } = scripted([], [(emit) => emit({ type: "ADDED", object: obj("x", "42") })]);
    await listWatch<KubeObject>({ client, path: "/p", signal, backoff: noDelay(), resourceVersion: "40", onList: () => {}, onEvent: () => {} });
    expect(calls.slice(0, 2)).toEqual(["watch rv=40 bookmarks=true", "watch rv=42 bookmarks=true"]);
  });
});
