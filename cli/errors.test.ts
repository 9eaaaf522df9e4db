import { describe, expect, it } from "vitest";
import { AccessError } from "../kube/access.js";
import { httpError, localError, LOCAL_REASON } from "../kube/errors.js";
import { PuckError, toPuckError } from "./errors.js";

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code });

const ctx = { action: "get Sprite web", namespace: "team", sprite: "web", verb: "get", server: "https://10.0.0.1:6443" };

describe("toPuckError", () => {
  it.each([
    ["a Status 404 for a named Sprite means the Sprite is unknown", httpError("get", 404, status(404, "NotFound", 'sprites "web" not found')), /Sprite "web" not found in namespace team/, /puck list -n team/],
    ["a bare 404 page means the CRD is missing", httpError("get", 404, "404 page not found\n"), /Puck is not installed/, /install Puck/],
    ["a 403 names the verb, the resource and the namespace", httpError("get", 403, status(403, "Forbidden", "user alice cannot get")), /not allowed to get sprites in namespace team: user alice cannot get/, /kubectl auth can-i get sprites -n team/],
    ["a 401 asks for new credentials", httpError("get", 401, "Unauthorized"), /rejected your credentials/, /refresh the credentials/],
    ["a 409 on create names the conflict", httpError("create", 409, status(409, "AlreadyExists", 'sprites "web" already exists')), /already exists/, /puck delete web/],
    ["a 422 repeats the server's reason", httpError("create", 422, status(422, "Invalid", "spec.image: Required value")), /spec.image: Required value/, /fix the value/],
    ["a refused connection means the cluster is unreachable", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), /cannot reach the Kubernetes API at https:\/\/10.0.0.1:6443 \(ECONNREFUSED\)/, /kubectl cluster-info/],
    ["a wrapped network error is found through its cause", new Error("request failed", { cause: Object.assign(new Error("x"), { code: "EHOSTUNREACH" }) }), /EHOSTUNREACH/, /cluster is running/],
    ["an untrusted certificate points at the CA", Object.assign(new Error("self signed"), { code: "SELF_SIGNED_CERT_IN_CHAIN" }), /cannot trust/, /certificate-authority/],
  ])("%s", (_name, error, message, hint) => {
    const mapped = toPuckError(error, ctx);
    expect(mapped).toBeInstanceOf(PuckError);
    expect((mapped as PuckError).message).toMatch(message);
    expect((mapped as PuckError).hint).toMatch(hint);
    expect((mapped as PuckError).exitCode).toBeGreaterThan(0);
  });

  it.each([
    ["a 503 from a restarting API server", httpError("get", 503, "not ready"), true],
    ["a 429 asking to slow down", httpError("get", 429, "too many"), true],
    ["a refused connection", Object.assign(new Error("x"), { code: "ECONNREFUSED" }), true],
    ["a 403", httpError("get", 403, "no"), false],
    ["a 404", httpError("get", 404, "404 page not found"), false],
  ])("%s is retryable: %s", (_name, error, retryable) => {
    expect((toPuckError(error, ctx) as PuckError).retryable).toBe(retryable);
  });

  it("leaves a bug (not an API failure) alone so that main reports it as one", () => {
    const bug = new TypeError("x is undefined");
    expect(toPuckError(bug, ctx)).toBe(bug);
  });

  it("a 404 while listing (no Sprite named) means the CRD is missing even with a Status body", () => {
    const mapped = toPuckError(httpError("list", 404, status(404, "NotFound", "the server could not find the requested resource")), { action: "list Sprites" });
    expect((mapped as PuckError).message).toMatch(/not installed/);
  });

  it("a request that timed out is retryable and names the server", () => {
    const mapped = toPuckError(localError("GET /x", LOCAL_REASON.timeout, "no answer within 30000 ms"), ctx) as PuckError;
    expect(mapped.message).toMatch(/API at https:\/\/10.0.0.1:6443 did not answer in time while trying to get Sprite web/);
    expect(mapped.retryable).toBe(true);
  });

  it("a failing exec plugin says to run it by hand", () => {
    const mapped = toPuckError(localError("the kubeconfig's exec plugin sso failed", LOCAL_REASON.credentials, "exit 1"), ctx) as PuckError;
    expect(mapped.hint).toMatch(/run it by hand/);
  });

  it.each([
    ["a wrong --context is a usage error (exit 2)", new AccessError('context "x" not found', "list them", true), 2],
    ["an unreadable kubeconfig is a failure (exit 1)", new AccessError("cannot read kubeconfig /k", "pass an existing file", false), 1],
  ])("%s", (_name, error, exitCode) => {
    const mapped = toPuckError(error, ctx) as PuckError;
    expect(mapped).toBeInstanceOf(PuckError);
    expect(mapped.exitCode).toBe(exitCode);
    expect(mapped.hint).toBe(error.hint);
  });
});
