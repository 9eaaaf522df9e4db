import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address.js";

describe("clientAddress", () => {
  it("is the socket's peer when forwarded headers are not trusted, whatever they say", () => {
    expect(clientAddress("10.0.0.9", "1.2.3.4", false)).toBe("10.0.0.9");
  });
  it("is the last X-Forwarded-For hop when trusted: the one the trusted proxy appended", () => {
    expect(clientAddress("10.0.0.9", "6.6.6.6, 1.2.3.4", true)).toBe("1.2.3.4");
    expect(clientAddress("10.0.0.9", ["6.6.6.6", "1.2.3.4 "], true)).toBe("1.2.3.4");
  });
  it("falls back to the peer when a trusted request has no hop", () => {
    expect(clientAddress("10.0.0.9", undefined, true)).toBe("10.0.0.9");
    expect(clientAddress("10.0.0.9", " , ", true)).toBe("10.0.0.9");
  });
  it("reads an IPv4-mapped IPv6 peer as the IPv4 address", () => {
    expect(clientAddress("::ffff:127.0.0.1", undefined, false)).toBe("127.0.0.1");
  });
});
