// Failed calls become one KubeError carrying the status, the reason and the API's own message.
import { describe, expect, it } from "vitest";
import { httpError, isStatus, KubeError, localError, LOCAL_REASON } from "./errors.js";

describe("httpError", () => {
  it("reads a Status body's reason and message", () => {
    const e = httpError("GET /x", 404, JSON.stringify({ kind: "Status", code: 404, reason: "NotFound", message: 'sprites "web" not found' }));
    expect(e).toMatchObject({ status: 404, reason: "NotFound", serverMessage: 'sprites "web" not found', isStatus: true });
    expect(e.message).toBe('GET /x: HTTP 404 sprites "web" not found');
    expect(isStatus(e, 404)).toBe(true);
  });
  it("keeps a body that is not a Status as the message", () => {
    expect(httpError("GET /x", 404, "404 page not found\n")).toMatchObject({ reason: "", serverMessage: "404 page not found", isStatus: false });
  });
  it("a failure without an answer has status 0, a local reason and its cause", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const e = localError("GET /x", LOCAL_REASON.network, cause.message, cause);
    expect(e).toBeInstanceOf(KubeError);
    expect(e).toMatchObject({ status: 0, reason: "NetworkError", cause });
  });
});
