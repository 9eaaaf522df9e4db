// The silence after which a watch is taken for dead: a bookmark's interval and leeway when the watch
// asked for bookmarks, else until a bit after the server would have ended it.
import { describe, expect, it } from "vitest";
import { watchSilenceMs } from "./watch-silence.js";

describe("watchSilenceMs", () => {
  it.each<[string, Parameters<typeof watchSilenceMs>[0], number]>([
    ["with bookmarks: a minute's bookmark and 15 s leeway, far below the watch's 5 minutes", { allowWatchBookmarks: true, timeoutSeconds: 300 }, 75_000],
    ["with bookmarks and no timeoutSeconds", { allowWatchBookmarks: true }, 75_000],
    ["with bookmarks, as a query string says it", { allowWatchBookmarks: "true", timeoutSeconds: 300 }, 75_000],
    ["with bookmarks on a watch the server ends sooner: its end and 30 s", { allowWatchBookmarks: true, timeoutSeconds: 20 }, 50_000],
    ["without bookmarks: the watch's end and 30 s", { timeoutSeconds: 300 }, 330_000],
    ["bookmarks refused", { allowWatchBookmarks: false, timeoutSeconds: 120 }, 150_000],
    ["no query at all", undefined, 330_000],
  ])("%s", (_name, query, ms) => {
    expect(watchSilenceMs(query)).toBe(ms);
  });

  it("notices a dead watch within 90 s when it asks for bookmarks, whatever its length", () => {
    for (const timeoutSeconds of [30, 60, 300, 1800, 3600]) expect(watchSilenceMs({ allowWatchBookmarks: true, timeoutSeconds })).toBeLessThanOrEqual(90_000);
  });
});
