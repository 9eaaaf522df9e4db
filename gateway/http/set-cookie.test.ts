import { describe, expect, it } from "vitest";
import { hostOnly, hostOnlyCookies } from "./set-cookie.js";

describe("hostOnly: an app's cookies stay on its own URL", () => {
  it.each([
    ["a cookie for the whole domain", "sid=1; Domain=sprites.test; Path=/; HttpOnly", "sid=1; Path=/; HttpOnly"],
    ["with a leading dot, any case, spaces", "sid=1;  domain = .SPRITES.test ;Secure", "sid=1; Secure"],
    ["twice (the last would win): both go", "a=b; Domain=x.sprites.test; Domain=sprites.test", "a=b"],
    ["a host-only cookie is left as it is", "theme=dark; Path=/; Max-Age=60; SameSite=Lax", "theme=dark; Path=/; Max-Age=60; SameSite=Lax"],
    ["a value holding 'Domain=' is the value, not an attribute", "note=Domain=x; Path=/", "note=Domain=x; Path=/"],
  ])("%s", (_what, header, want) => {
    expect(hostOnly(header)).toBe(want);
  });

  it("every header of a response, none when there are none", () => {
    expect(hostOnlyCookies(["a=1; Domain=d", "b=2"])).toEqual(["a=1", "b=2"]);
    expect(hostOnlyCookies(undefined)).toBeUndefined();
  });
});
