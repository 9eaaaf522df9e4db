// How long a watch may go without a byte before its connection is taken for dead: the rule the
// client (kube/client.ts) arms each watch's silence timer with.
//
// A dead link (a laptop's Wi-Fi changed, a NAT entry dropped) often closes nothing: the socket stays
// open and the bytes just stop. A watch that asked for bookmarks hears from the API server about
// once a minute even when nothing it watches changes, so a longer silence means the link is gone.
// kubectl notices the same in ~44 s with HTTP/2 pings; over HTTP/1.1 the bookmarks are our pings.
//
// The API server's watch cache sends a bookmark only once it is past the resourceVersion the watch
// started from: after any change to that resource anywhere in the cluster, or etcd's progress notice
// (every 10 minutes by default). A watch of a type nothing changes may therefore be quiet on a live
// connection too, and is then restarted every 75 s — one cheap watch request, from the same
// resourceVersion, so nothing is missed or repeated.
import type { Query } from "./paths.js";

/** How often the API server sends a bookmark on a watch that asked for them (measured here 61 s apart). */
export const BOOKMARK_EVERY_MS = 60_000;
/** Leeway for a late bookmark from a busy API server. Too short costs little: a re-watch from the last resourceVersion. */
export const BOOKMARK_LATE_MS = 15_000;
/** A watch without bookmarks may be quiet until the server ends it: its timeoutSeconds plus this. */
export const END_LATE_MS = 30_000;
/** Assumed when a watch names no timeoutSeconds (the server then picks 30-60 minutes; silence that long is not waited out). */
const DEFAULT_TIMEOUT_SECONDS = 300;

/**
 * The silence after which a watch with this query is presumed dead: a bookmark's interval and
 * leeway (75 s) when it asked for bookmarks, else until a bit after the server would have ended it.
 */
export function watchSilenceMs(query: Query | undefined): number {
  const untilEnd = Number(query?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000 + END_LATE_MS;
  if (query?.allowWatchBookmarks !== true && query?.allowWatchBookmarks !== "true") return untilEnd;
  return Math.min(untilEnd, BOOKMARK_EVERY_MS + BOOKMARK_LATE_MS);
}
