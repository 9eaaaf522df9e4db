import { describe, expect, it } from "vitest";
import { browserCommand, withCode } from "./open.js";
import { tokenTtlSeconds, urlMode } from "./url.js";

describe("puck url's flags", () => {
  it("does one thing at a time; --public and --private alone mean --add", () => {
    expect(urlMode({})).toBe("show");
    expect(urlMode({ public: true })).toBe("add");
    expect(urlMode({ token: true, expires: "7d" })).toBe("token");
    expect(() => urlMode({ add: true, token: true })).toThrow(/--add and --token cannot be combined/);
    expect(() => urlMode({ public: true, private: true })).toThrow(/--public or --private, not both/);
    expect(() => urlMode({ expires: "7d" })).toThrow(/--expires only applies with --token/);
  });
  it("reads --expires between a minute and a year, 30 days by default", () => {
    expect(tokenTtlSeconds(undefined)).toBe(30 * 86400);
    expect(tokenTtlSeconds("12h")).toBe(12 * 3600);
    expect(() => tokenTtlSeconds("400d")).toThrow(/between 1m and 366d/);
    expect(() => tokenTtlSeconds("soon")).toThrow(/is not a duration/);
  });
});

describe("puck open", () => {
  it("puts the code in the query, after any there is", () => {
    expect(withCode("http://3000-dev.s.test/", "puck_code-x_y")).toBe("http://3000-dev.s.test/?puck_code=puck_code-x_y");
    expect(withCode("http://3000-dev.s.test/?a=1", "c")).toBe("http://3000-dev.s.test/?a=1&puck_code=c");
  });
  it("opens the browser the platform's way, $BROWSER first", () => {
    expect(browserCommand("darwin", {}, "u")).toEqual(["open", ["u"]]);
    expect(browserCommand("linux", {}, "u")).toEqual(["xdg-open", ["u"]]);
    expect(browserCommand("linux", { BROWSER: "firefox" }, "u")).toEqual(["firefox", ["u"]]);
  });
});
