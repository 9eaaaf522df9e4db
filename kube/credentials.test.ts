// Which credentials a request presents: exec credentials are cached until just before they expire,
// token files are read again once they change.
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credentialSource, execCredentialUsable, parseExecCredential } from "./credentials.js";

describe("execCredentialUsable", () => {
  const at = Date.parse("2026-01-01T00:00:00Z");
  it.each([
    ["nothing cached: run the plugin", undefined, at, false],
    ["no expiry: keep it until a 401", { credentials: { token: "t" } }, at, true],
    ["expiring in a minute: keep it", { credentials: { token: "t" }, expiresAtMs: at + 60_000 }, at, true],
    ["expiring within the margin: run again", { credentials: { token: "t" }, expiresAtMs: at + 5_000 }, at, false],
    ["expired: run again", { credentials: { token: "t" }, expiresAtMs: at - 1 }, at, false],
  ])("%s", (_name, cached, now, want) => expect(execCredentialUsable(cached, now)).toBe(want));
});

describe("parseExecCredential", () => {
  it("reads the token and the expiry", () => {
    const out = JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: "abc", expirationTimestamp: "2026-01-01T00:00:00Z" } });
    expect(parseExecCredential(out)).toEqual({ credentials: { token: "abc" }, expiresAtMs: Date.parse("2026-01-01T00:00:00Z") });
  });
  it("reads a client certificate and key", () => {
    const out = JSON.stringify({ kind: "ExecCredential", status: { clientCertificateData: "C", clientKeyData: "K" } });
    expect(parseExecCredential(out).credentials).toEqual({ cert: "C", key: "K" });
  });
  it.each([
    ["not an ExecCredential", JSON.stringify({ kind: "Other", status: { token: "t" } }), /not an ExecCredential/],
    ["no credential in it", JSON.stringify({ kind: "ExecCredential", status: {} }), /neither a token/],
  ])("refuses %s", (_name, out, message) => expect(() => parseExecCredential(out)).toThrow(message));
});

describe("credentialSource with a token file", () => {
  it("reads the file again once it is replaced, and keeps the last token while it is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kube-token-"));
    const file = join(dir, "token");
    writeFileSync(file, "first\n");
    const source = credentialSource({ server: "https://x", namespace: "n", insecure: false, tokenFile: file });
    expect(await source.get()).toEqual({ token: "first" });
    // The kubelet swaps a new file in: a rename, so the inode changes even within one mtime tick.
    writeFileSync(join(dir, "next"), "second\n");
    renameSync(join(dir, "next"), file);
    expect(await source.get()).toEqual({ token: "second" });
    renameSync(file, join(dir, "moved"));
    expect(await source.get()).toEqual({ token: "second" });
  });
  it("a token file missing from the start is a credentials error naming the file", async () => {
    const source = credentialSource({ server: "https://x", namespace: "n", insecure: false, tokenFile: "/nonexistent/token" });
    await expect(source.get()).rejects.toThrow(/read token file \/nonexistent\/token/);
  });
});
