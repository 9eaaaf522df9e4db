import { describe, expect, it } from "vitest";
import { httpStatus, NO_DOMAIN_MESSAGE } from "./http-urls.js";

const settings = { domain: "sprites.home.example", scheme: "https" as const };

describe("httpStatus", () => {
  it("gives each declared port its URL, private unless marked public", () => {
    expect(httpStatus([{ port: 3000 }, { port: 8080, public: true }], "dev", "team", settings)).toEqual([
      { port: 3000, public: false, url: "https://3000-dev--team.sprites.home.example/" },
      { port: 8080, public: true, url: "https://8080-dev--team.sprites.home.example/" },
    ]);
  });
  it("says why a port has no URL: no domain set up, or a name that does not fit a DNS label", () => {
    expect(httpStatus([{ port: 3000 }], "dev", "default", undefined)).toEqual([{ port: 3000, public: false, message: NO_DOMAIN_MESSAGE }]);
    const [entry] = httpStatus([{ port: 3000 }], "a".repeat(40), "n".repeat(30), settings)!;
    expect(entry!.url).toBeUndefined();
    expect(entry!.message).toMatch(/^No URL: .* longer than a DNS label's 63 characters/);
  });
  it("is unset for a Sprite that serves no port", () => {
    expect(httpStatus(undefined, "dev", "default", settings)).toBeUndefined();
    expect(httpStatus([], "dev", "default", settings)).toBeUndefined();
  });
});
