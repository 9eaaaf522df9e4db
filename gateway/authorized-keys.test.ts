import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { findKey, fingerprint, parseAuthorizedKeys, splitOptions } from "./authorized-keys.js";
import { generateEd25519Key } from "./openssh-key.js";

const { utils } = ssh2;

const ed25519 = generateEd25519Key("me@laptop").public;
const ecdsa = utils.generateKeyPairSync("ecdsa", { bits: 256 }).public;
const rsa2048 = utils.generateKeyPairSync("rsa", { bits: 2048 }).public;
const rsa1024 = utils.generateKeyPairSync("rsa", { bits: 1024 }).public;
const blobOf = (line: string) => Buffer.from(line.split(" ")[1]!, "base64");

describe("splitOptions", () => {
  it.each([
    ["plain flags", "no-pty,restrict ssh-ed25519 AAAA", { options: ["no-pty", "restrict"], rest: "ssh-ed25519 AAAA" }],
    ["a quoted value with commas and spaces", 'command="echo a, b",no-pty ssh-ed25519 AAAA', { options: ["command=echo a, b", "no-pty"], rest: "ssh-ed25519 AAAA" }],
    ["an escaped quote inside quotes", 'environment="A=\\"x\\"" ssh-ed25519 AAAA', { options: ['environment=A="x"'], rest: "ssh-ed25519 AAAA" }],
  ])("%s", (_name, line, want) => {
    expect(splitOptions(line)).toEqual(want);
  });

  it("a quote never closed is no line at all", () => {
    expect(splitOptions('command="oops ssh-ed25519 AAAA')).toBeUndefined();
  });
});

describe("parseAuthorizedKeys", () => {
  it("accepts current key types with full rights and keeps their comments", () => {
    const { keys, unusable } = parseAuthorizedKeys([ed25519, ecdsa, rsa2048]);
    expect(unusable).toEqual([]);
    expect(keys.map((k) => k.type)).toEqual(["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"]);
    expect(keys[0]).toMatchObject({ comment: "me@laptop", restrictions: { pty: true, portForwarding: true } });
    expect(keys[0]!.blob.equals(blobOf(ed25519))).toBe(true);
  });

  it("reads every line of an entry and skips blanks and comments", () => {
    const { keys } = parseAuthorizedKeys([`# laptop\n${ed25519}\n\n${ecdsa}\n`]);
    expect(keys).toHaveLength(2);
  });

  it.each([
    ["no-pty forbids a terminal only", `no-pty ${ed25519}`, { pty: false, portForwarding: true }],
    ["no-port-forwarding forbids forwards only", `no-port-forwarding ${ed25519}`, { pty: true, portForwarding: false }],
    ["restrict forbids both", `restrict ${ed25519}`, { pty: false, portForwarding: false }],
    ["restrict,pty gives back the terminal", `restrict,pty ${ed25519}`, { pty: true, portForwarding: false }],
    ["forwarding options the gateway never offers change nothing", `no-agent-forwarding,no-X11-forwarding,no-user-rc ${ed25519}`, { pty: true, portForwarding: true }],
  ])("%s", (_name, line, restrictions) => {
    const { keys, unusable } = parseAuthorizedKeys([line]);
    expect(unusable).toEqual([]);
    expect(keys[0]!.restrictions).toEqual(restrictions);
  });

  it.each([
    ["a command= it cannot enforce", `command="make test" ${ed25519}`, /option "command" is not supported/],
    ["a from= it cannot enforce", `from="10.0.0.0/8" ${ed25519}`, /option "from" is not supported/],
    ["a permitopen= it cannot enforce", `permitopen="localhost:80" ${ed25519}`, /option "permitopen"/],
    ["an unknown option", `frobnicate ${ed25519}`, /option "frobnicate"/],
    ["an open quote", `command="x ${ed25519}`, /quote is never closed/],
    ["a DSA key", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", /key type "ssh-dss" is not supported/],
    ["a security key", "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t", /not supported/],
    ["an RSA key under 2048 bits", rsa1024, /1024 bits; at least 2048/],
    ["a key whose data is not base64 of a key", "ssh-ed25519 bm90IGEga2V5", /does not parse/],
    ["a type that lies about its data", `ssh-rsa ${ed25519.split(" ")[1]}`, /does not parse/],
  ])("refuses the key of a line with %s, saying why", (_name, line, reason) => {
    const { keys, unusable } = parseAuthorizedKeys([ed25519, line]);
    expect(keys).toHaveLength(1);
    expect(unusable).toEqual([{ index: 2, reason: expect.stringMatching(reason) }]);
  });
});

describe("findKey", () => {
  it("matches the offered blob exactly, and nothing else", () => {
    const { keys } = parseAuthorizedKeys([ed25519, ecdsa]);
    expect(findKey(keys, blobOf(ecdsa))?.type).toBe("ecdsa-sha2-nistp256");
    expect(findKey(keys, blobOf(rsa2048))).toBeUndefined();
  });
});

describe("fingerprint", () => {
  it("is what ssh-keygen -l prints", () => {
    const dir = mkdtempSync(join(tmpdir(), "puck-fp-"));
    const path = join(dir, "k");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path]);
    const pub = readFileSync(`${path}.pub`, "utf8").trim();
    const printed = execFileSync("ssh-keygen", ["-l", "-f", `${path}.pub`], { encoding: "utf8" }).split(" ")[1];
    expect(fingerprint(blobOf(pub))).toBe(printed);
  });
});
