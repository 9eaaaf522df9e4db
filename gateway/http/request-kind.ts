// What kind of request this is, read from the headers a browser sets and a program does not: only a
// page load, an API client and a program's WebSocket wake a Sprite (docs/urls.md, "What wakes a
// Sprite"), so a tab's polling or a WebSocket's automatic reconnect never keeps one awake.

export type RequestKind =
  /** A page load in a browser (Sec-Fetch-Mode: navigate): wakes, and gets the waiting page meanwhile. */
  | "navigate"
  /** curl, git, a webhook: no Sec-Fetch-*, no Origin. Wakes, and is held until the port answers. */
  | "api"
  /** A page's fetch, XHR, image...: never wakes. */
  | "background"
  /** A browser's WebSocket (it has an Origin): never wakes. */
  | "browser-websocket"
  /** A program's WebSocket (no Origin): wakes, held like an API request. */
  | "program-websocket";

export interface KindHeaders {
  "sec-fetch-mode"?: string | undefined;
  origin?: string | undefined;
  upgrade?: string | undefined;
  "upgrade-insecure-requests"?: string | undefined;
  accept?: string | undefined;
  referer?: string | undefined;
}

export function requestKind(headers: KindHeaders): RequestKind {
  if (headers.upgrade?.toLowerCase() === "websocket") return headers.origin === undefined ? "program-websocket" : "browser-websocket";
  const mode = headers["sec-fetch-mode"]?.toLowerCase();
  if (mode === "navigate") return "navigate";
  if (mode !== undefined) return "background";
  // Browsers send Sec-Fetch-* only to secure origins (https, localhost): over plain http a page load
  // is told by what only a navigation carries, Upgrade-Insecure-Requests with an HTML Accept (a
  // script cannot set the first), and a page's own requests by their Origin or Referer.
  if (headers["upgrade-insecure-requests"] === "1" && /text\/html/i.test(headers.accept ?? "")) return "navigate";
  if (headers.origin !== undefined || headers.referer !== undefined) return "background";
  return "api";
}

/** Whether a request of this kind may wake a hibernated Sprite. */
export const wakes = (kind: RequestKind) => kind === "navigate" || kind === "api" || kind === "program-websocket";

/** Whether a request of this kind is a browser page load, answered in HTML. */
export const wantsPage = (kind: RequestKind) => kind === "navigate";
