// The bind addresses the HTTP endpoints accept (the --*-bind-address flags).
import { describe, expect, it } from "vitest";
import { parseBindAddress } from "./http-server.js";

describe("parseBindAddress", () => {
  it("parses what the flags accept", () => {
    expect(parseBindAddress(":8080")).toEqual({ host: "0.0.0.0", port: 8080 });
    expect(parseBindAddress("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
  });
});
