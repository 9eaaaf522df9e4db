// Failed calls become one KubeError carrying the status, the reason and the API's own message.
import { describe, expect, it } from "vitest";
import { httpError, isStatus, isTransient, KubeError, localError, LOCAL_REASON } from "./errors.js";

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

describe("isTransient: the one rule for what every program retries", () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  const network = (code?: string) => localError("WATCH /x", LOCAL_REASON.network, "failed", code ? coded(code) : new Error("socket hang up"));
  it.each([
    ["a reset connection (status 0) may get through again", network("ECONNRESET"), true],
    ["a refused connection (the API server restarting)", network("ECONNREFUSED"), true],
    ["a connection dropped without a code", network(), true],
    ["no answer in time", localError("GET /x", LOCAL_REASON.timeout, "no answer"), true],
    ["a watch gone silent", localError("WATCH /x", LOCAL_REASON.watchSilent, "no bytes"), true],
    ["a 500", httpError("GET /x", 500, "oops"), true],
    ["a 503 from an API server starting", httpError("GET /x", 503, "not ready"), true],
    ["a 429 asking to slow down", httpError("GET /x", 429, "too many"), true],
    ["a bare system error with a network code", coded("EHOSTUNREACH"), true],
    ["a program's error wrapping a transient failure is judged by it", new Error("told", { cause: httpError("GET /x", 503, "") }), true],
    ["a 404: the server decided", httpError("GET /x", 404, "gone"), false],
    ["a 403", httpError("GET /x", 403, "no"), false],
    ["a 401", httpError("GET /x", 401, "Unauthorized"), false],
    ["a 409", httpError("PATCH /x", 409, "conflict"), false],
    ["a 422", httpError("PATCH /x", 422, "invalid"), false],
    ["a certificate not trusted: only the kubeconfig mends it", network("SELF_SIGNED_CERT_IN_CHAIN"), false],
    ["credentials that could not be had", localError("GET /x", LOCAL_REASON.credentials, "exit 1"), false],
    ["the caller's own abort", localError("GET /x", LOCAL_REASON.aborted, "aborted"), false],
    ["a bug", new TypeError("x is undefined"), false],
    ["a program's error wrapping a 403", new Error("told", { cause: httpError("GET /x", 403, "") }), false],
  ])("%s: %s", (_name, error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });
});
