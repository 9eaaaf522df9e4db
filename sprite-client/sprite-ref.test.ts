import { describe, expect, it } from "vitest";
import { spriteForUser, userForSprite } from "./sprite-ref.js";

describe("spriteForUser", () => {
  it.each([
    ["a bare name is a Sprite in the default namespace", "dev", { namespace: "default", name: "dev" }],
    ["name.namespace names the namespace", "dev.team", { namespace: "team", name: "dev" }],
    ["a namespace may start with a digit", "dev.2024", { namespace: "2024", name: "dev" }],
  ])("%s", (_rule, user, want) => {
    expect(spriteForUser(user)).toEqual(want);
  });

  it.each([
    ["upper case", "Dev"],
    ["two dots", "dev.team.x"],
    ["an empty name", ".team"],
    ["an empty namespace", "dev."],
    ["a name starting with a digit", "1dev"],
    ["a name longer than a Sprite's", "a".repeat(41)],
    ["shell metacharacters", "dev;rm"],
    ["root, as scanners try", "root.."],
  ])("names no Sprite with %s", (_rule, user) => {
    expect(spriteForUser(user)).toBeUndefined();
  });

  it("userForSprite inverts it", () => {
    expect(userForSprite({ namespace: "default", name: "dev" })).toBe("dev");
    expect(userForSprite({ namespace: "team", name: "dev" })).toBe("dev.team");
  });
});
