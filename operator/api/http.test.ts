import { describe, expect, it } from "vitest";
import { parseUrlHost, spriteUrl, urlDomainProblem, urlLabel } from "./http.js";

describe("urlLabel", () => {
  it("names a port of a Sprite in the default namespace by port and name", () => {
    expect(urlLabel(3000, "dev", "default")).toEqual({ label: "3000-dev" });
  });
  it("adds the namespace after -- elsewhere", () => {
    expect(urlLabel(8080, "dev", "team")).toEqual({ label: "8080-dev--team" });
  });
  it("refuses a name or namespace that holds -- (it would read back as another Sprite)", () => {
    expect(urlLabel(3000, "my--app", "default")).toHaveProperty("problem", expect.stringContaining('holds "--"'));
    expect(urlLabel(3000, "app", "a--b")).toHaveProperty("problem", expect.stringContaining("namespace holds"));
  });
  it("refuses a label longer than 63 characters, naming it", () => {
    const verdict = urlLabel(65535, "a".repeat(40), "n".repeat(20));
    expect(verdict).toHaveProperty("problem", expect.stringContaining("longer than a DNS label's 63 characters"));
  });
});

describe("parseUrlHost", () => {
  const domain = "sprites.home.example";
  it("reads back what urlLabel makes, any case, with or without a port", () => {
    expect(parseUrlHost("3000-dev.sprites.home.example", domain)).toEqual({ port: 3000, name: "dev", namespace: "default" });
    expect(parseUrlHost("8080-Dev--Team.SPRITES.home.example:443", domain)).toEqual({ port: 8080, name: "dev", namespace: "team" });
  });
  it("refuses other hosts and spellings urlLabel never makes", () => {
    for (const host of [
      "sprites.home.example",
      "3000-dev.other.example",
      "x.3000-dev.sprites.home.example",
      "dev.sprites.home.example",
      "03000-dev.sprites.home.example",
      "70000-dev.sprites.home.example",
      "3000-dev--default.sprites.home.example",
      "3000-dev--.sprites.home.example",
      "3000-dev.evilsprites.home.example",
    ]) {
      expect(parseUrlHost(host, domain), host).toBeUndefined();
    }
  });
});

describe("spriteUrl and urlDomainProblem", () => {
  it("joins scheme, label and domain", () => {
    expect(spriteUrl({ scheme: "https", domain: "s.example" }, "3000-dev")).toBe("https://3000-dev.s.example/");
  });
  it("accepts a domain and refuses a wildcard, a scheme or one label", () => {
    expect(urlDomainProblem("sprites.home.example")).toBeUndefined();
    for (const bad of ["*.sprites.example", "https://s.example", "localhost", "S.Example"]) expect(urlDomainProblem(bad), bad).toMatch(/is not a domain/);
  });
});
