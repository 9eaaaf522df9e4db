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
}

export function requestKind(headers: KindHeaders): RequestKind {
  if (headers.upgrade?.toLowerCase() === "websocket") return headers.origin === undefined ? "program-websocket" : "browser-websocket";
  const mode = headers["sec-fetch-mode"]?.toLowerCase();
  if (mode === "navigate") return "navigate";
  // A browser too old for Sec-Fetch-* still sends Origin on its scripts' cross-origin and
  // non-GET requests: background, never a wake.
  if (mode !== undefined || headers.origin !== undefined) return "background";
  return "api";
}

/** Whether a request of this kind may wake a hibernated Sprite. */
export const wakes = (kind: RequestKind) => kind === "navigate" || kind === "api" || kind === "program-websocket";

/** Whether a request of this kind is a browser page load, answered in HTML. */
export const wantsPage = (kind: RequestKind) => kind === "navigate";
