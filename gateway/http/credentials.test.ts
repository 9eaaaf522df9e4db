import { describe, expect, it } from "vitest";
import { findCredentials, stripCredentials, withoutCode } from "./credentials.js";

const TOKEN = `puck_token-abcdefghij_${"A".repeat(43)}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("findCredentials", () => {
  it("finds the session cookie among others, every copy of it", () => {
    expect(findCredentials({ cookie: "a=1; puck_session=v1.2.x; b=2; puck_session=other" }, "/").sessions).toEqual(["v1.2.x", "other"]);
  });
  it("finds a token as a Bearer or as basic auth's password (git)", () => {
    expect(findCredentials({ authorization: `Bearer ${TOKEN}` }, "/").token).toBe(TOKEN);
    expect(findCredentials({ authorization: basic("git", TOKEN) }, "/").token).toBe(TOKEN);
  });
  it("ignores an Authorization that is not Puck's", () => {
    expect(findCredentials({ authorization: "Bearer eyJhbGciOi.app.jwt" }, "/").token).toBeUndefined();
    expect(findCredentials({ authorization: basic("me", "hunter2") }, "/").token).toBeUndefined();
  });
  it("finds the code in the query, decoded", () => {
    expect(findCredentials({}, "/a?x=1&puck_code=puck_code-x%5Fy&y=2").code).toBe("puck_code-x_y");
    expect(findCredentials({}, "/a?x=1").code).toBeUndefined();
  });
});

describe("stripping Puck's credentials before the app", () => {
  it("keeps the app's cookies and drops ours, or the whole header when only ours was there", () => {
    expect(stripCredentials({ cookie: "a=1; puck_session=v; b=2" }, "/").cookie).toBe("a=1; b=2");
    expect(stripCredentials({ cookie: "puck_session=v" }, "/").cookie).toBeUndefined();
  });
  it("drops an Authorization carrying a Puck token, keeps any other", () => {
    expect(stripCredentials({ authorization: `Bearer ${TOKEN}` }, "/").authorization).toBeUndefined();
    expect(stripCredentials({ authorization: basic("git", TOKEN) }, "/").authorization).toBeUndefined();
    expect(stripCredentials({ authorization: "Bearer app-token" }, "/").authorization).toBe("Bearer app-token");
  });
  it("drops the code from the query and keeps the rest as it was", () => {
    expect(withoutCode("/p?a=1&puck_code=x&b=%20")).toBe("/p?a=1&b=%20");
    expect(withoutCode("/p?puck_code=x")).toBe("/p");
    expect(withoutCode("/p?puck%5Fcode=x&a")).toBe("/p?a");
    expect(withoutCode("/p?a=1")).toBe("/p?a=1");
  });
});
