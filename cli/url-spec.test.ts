import { describe, expect, it } from "vitest";
import { API_VERSION, KIND, type Sprite, type SpriteToken } from "../operator/api/index.js";
import { changeHttpPorts, choosePort, httpRequestSummary, parseHttpFlag, tokenRows, urlCell, urlOf, urlRows } from "./url-spec.js";

const sprite = (spec: Partial<Sprite["spec"]> = {}, status: Sprite["status"] = {}): Sprite => ({
  apiVersion: API_VERSION,
  kind: KIND,
  metadata: { name: "dev", namespace: "default" },
  spec: { image: "puck-sprite:dev", ...spec },
  status,
});
const now = new Date("2026-12-07T12:00:00Z");

describe("--http", () => {
  it("reads PORT, PORT:public and PORT:private", () => {
    expect(parseHttpFlag("3000")).toEqual({ port: 3000 });
    expect(parseHttpFlag("8080:public")).toEqual({ port: 8080, public: true });
    expect(parseHttpFlag("8080:private")).toEqual({ port: 8080 });
  });
  it("refuses anything else", () => {
    for (const bad of ["", "0", "65536", "http", "3000:open", "3000:", "-1"]) expect(parseHttpFlag(bad), bad).toBeUndefined();
  });
});

describe("changeHttpPorts", () => {
  it("adds a port private unless asked, and keeps an existing port's access unless told", () => {
    expect(changeHttpPorts([], { add: 3000 })).toEqual([{ port: 3000 }]);
    expect(changeHttpPorts([{ port: 3000 }], { add: 8080, public: true })).toEqual([{ port: 3000 }, { port: 8080, public: true }]);
    expect(changeHttpPorts([{ port: 8080, public: true }], { add: 8080 })).toEqual([{ port: 8080, public: true }]);
    expect(changeHttpPorts([{ port: 8080, public: true }], { add: 8080, public: false })).toEqual([{ port: 8080 }]);
  });
  it("removes a port, and says so when there is none to remove", () => {
    expect(changeHttpPorts([{ port: 3000 }, { port: 8080 }], { remove: 3000 })).toEqual([{ port: 8080 }]);
    expect(() => changeHttpPorts([], { remove: 3000 })).toThrow(/serves no port 3000/);
  });
  it("refuses a 17th port", () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => ({ port: 3000 + i }));
    expect(() => changeHttpPorts(sixteen, { add: 9000 })).toThrow(/at most 16 ports/);
  });
});

describe("choosePort and urlOf", () => {
  const served = sprite({ http: [{ port: 3000 }, { port: 8080, public: true }] }, { http: [{ port: 3000, public: false, url: "http://3000-dev.s.test/" }, { port: 8080, public: true, message: "No URL: too long." }] });
  it("takes the port given when the Sprite serves it, else the only one", () => {
    expect(choosePort(served, "8080")).toBe(8080);
    expect(choosePort(sprite({ http: [{ port: 5173 }] }), undefined)).toBe(5173);
  });
  it("says what to do when the port is not served, missing or ambiguous", () => {
    expect(() => choosePort(served, "9000")).toThrow(/does not serve port 9000/);
    expect(() => choosePort(served, undefined)).toThrow(/serves 2 ports over HTTP \(3000, 8080\)/);
    expect(() => choosePort(sprite(), undefined)).toThrow(/serves no port over HTTP/);
    expect(() => choosePort(served, "x")).toThrow(/"x" is not a port/);
  });
  it("gives the URL the operator wrote, or why there is none", () => {
    expect(urlOf(served, 3000)).toBe("http://3000-dev.s.test/");
    expect(() => urlOf(served, 8080)).toThrow(/port 8080 of Sprite dev has no URL: too long/);
    expect(() => urlOf(sprite({ http: [{ port: 1 }] }), 1)).toThrow(/has no URL yet/);
  });
  it("lists every port, and shows the first URL and how many more in a wide list", () => {
    expect(urlRows(served)).toEqual([
      ["3000", "private", "http://3000-dev.s.test/"],
      ["8080", "public", "- (No URL: too long.)"],
    ]);
    expect(urlCell(served)).toBe("http://3000-dev.s.test/");
    expect(urlCell(sprite())).toBe("-");
  });
});

describe("activity and tokens in words", () => {
  it("says the last request and how long ago", () => {
    expect(httpRequestSummary({ port: 3000, method: "GET", path: "/api", time: "2026-12-07T11:59:40Z" }, now)).toBe("GET /api 20s ago (port 3000)");
  });
  it("lists tokens with their expiry, expired ones said", () => {
    const token = (name: string, expiresAt: string): SpriteToken => ({ apiVersion: API_VERSION, kind: "SpriteToken", metadata: { name }, spec: { sprite: "dev", purpose: "token" as const, sha256: "0".repeat(64), expiresAt, port: 3000 } });
    expect(tokenRows([token("token-a", "2026-12-08T12:00:00Z"), token("token-b", "2026-12-07T11:00:00Z")], now)).toEqual([
      ["token-a", "3000", "token", "in 24h", ""],
      ["token-b", "3000", "token", "expired", ""],
    ]);
  });
});
