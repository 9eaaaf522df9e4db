import { describe, expect, it } from "vitest";
import { answer, closeReason } from "./answers.js";

const dev = { port: 3000, name: "dev", namespace: "default" };
const team = { port: 8080, name: "api", namespace: "team" };

describe("answers", () => {
  it("tells how to sign in, naming the Sprite and port as the host names them, with the namespace flag outside default", () => {
    expect(answer({ kind: "sign-in", target: dev }, false).body).toBe(
      'puck: sign in with `puck open dev 3000` (a browser), or send a token from `puck url dev 3000 --token` as "Authorization: Bearer TOKEN".\n',
    );
    expect(answer({ kind: "sign-in", target: team }, false).body).toContain("`puck -n team open api 8080`");
  });

  it("gives an unknown host the same status and shape as a missing sign-in", () => {
    const unknown = answer({ kind: "sign-in", target: undefined }, false);
    const known = answer({ kind: "sign-in", target: dev }, false);
    expect([unknown.status, unknown.headers]).toEqual([known.status, known.headers]);
  });

  it("challenges API clients (git asks for the token), not browsers", () => {
    expect(answer({ kind: "sign-in", target: dev }, false).headers["www-authenticate"]).toBe('Basic realm="puck"');
    expect(answer({ kind: "sign-in", target: dev }, true).headers["www-authenticate"]).toBeUndefined();
  });

  it("shows a browser the waiting page that reloads itself every second without a script", () => {
    const a = answer({ kind: "waking", target: dev, elapsedMs: 1234 }, true);
    expect(a.status).toBe(503);
    expect(a.body).toContain('<meta http-equiv="refresh" content="1">');
    expect(a.body).toContain("Waking dev… 1.2 s");
    expect(a.body).not.toContain("<script");
    expect(a.headers["content-type"]).toBe("text/html; charset=utf-8");
  });

  it("answers a background request on a hibernated Sprite 503 with Retry-After, in one line", () => {
    const a = answer({ kind: "asleep", target: dev }, false);
    expect([a.status, a.headers["retry-after"], a.body.split("\n").length]).toEqual([503, "10", 2]);
  });

  it("says why a Sprite cannot start, in the operator's words", () => {
    expect(answer({ kind: "cannot-start", target: dev, reason: "its home volume lives on node b, which is not ready" }, false).body).toBe(
      "puck: Sprite dev cannot start: its home volume lives on node b, which is not ready\n",
    );
  });

  it("tells what to do when nothing listens: a service", () => {
    const a = answer({ kind: "nothing-listens", target: dev }, false);
    expect(a.status).toBe(502);
    expect(a.body).toContain("`puck service add dev NAME --port 3000 -- COMMAND`");
  });

  it("escapes the HTML page", () => {
    expect(answer({ kind: "cannot-start", target: dev, reason: "<img src=x>" }, true).body).toContain("&#60;img src=x&#62;");
  });

  it("cuts a close frame's reason to 123 bytes on a character boundary", () => {
    const reason = closeReason("é".repeat(100));
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason).toBe("é".repeat(61));
  });
});
