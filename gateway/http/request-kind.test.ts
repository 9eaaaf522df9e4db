import { describe, expect, it } from "vitest";
import { requestKind, wakes, type KindHeaders, type RequestKind } from "./request-kind.js";

describe("requestKind", () => {
  const cases: [string, KindHeaders, RequestKind][] = [
    ["a page load is a navigate", { "sec-fetch-mode": "navigate" }, "navigate"],
    ["a page load is a navigate whatever the case", { "sec-fetch-mode": "Navigate", origin: "https://x" }, "navigate"],
    ["curl (no Sec-Fetch-*, no Origin) is an API client", {}, "api"],
    ["a page's fetch is background", { "sec-fetch-mode": "cors", origin: "https://3000-dev.example.com" }, "background"],
    ["an image is background", { "sec-fetch-mode": "no-cors" }, "background"],
    ["an old browser's script (Origin, no Sec-Fetch-*) is background", { origin: "https://x" }, "background"],
    // Over plain http browsers send no Sec-Fetch-* (secure origins only), as Chromium does here.
    ["a page load over plain http is a navigate", { "upgrade-insecure-requests": "1", accept: "text/html,application/xhtml+xml,*/*;q=0.8", referer: "http://a.test/" }, "navigate"],
    ["a page's same-origin fetch over plain http is background (its Referer)", { accept: "*/*", referer: "http://3000-dev.sprites.test/" }, "background"],
    ["a page's image over plain http is background", { accept: "image/avif,image/webp,*/*", referer: "http://3000-dev.sprites.test/" }, "background"],
    ["curl asking for HTML is still an API client", { accept: "text/html" }, "api"],
    ["a browser's WebSocket has an Origin", { upgrade: "websocket", origin: "https://x", "sec-fetch-mode": "websocket" }, "browser-websocket"],
    ["a program's WebSocket has none", { upgrade: "WebSocket" }, "program-websocket"],
  ];
  it.each(cases)("%s", (_name, headers, kind) => expect(requestKind(headers)).toBe(kind));

  it("only page loads, API clients and programs' WebSockets wake a Sprite", () => {
    const all: RequestKind[] = ["navigate", "api", "background", "browser-websocket", "program-websocket"];
    expect(all.filter(wakes)).toEqual(["navigate", "api", "program-websocket"]);
  });
});
