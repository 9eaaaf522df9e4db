import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { generateEd25519Key } from "./openssh-key.js";

const { utils } = ssh2;

describe("generateEd25519Key", () => {
  it("makes keys ssh2 reads back, every time (ssh2's own generator fails about 1 in 256)", () => {
    const unreadable: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const key = generateEd25519Key();
      const parsed = utils.parseKey(key.private);
      if (parsed instanceof Error || Array.isArray(parsed)) unreadable.push(key.private);
      else if (`${parsed.type} ${parsed.getPublicSSH().toString("base64")}` !== key.public) unreadable.push(`public half differs: ${key.public}`);
    }
    expect(unreadable).toEqual([]);
  });

  it("signs what ssh2 verifies with the public line", () => {
    const key = generateEd25519Key();
    const priv = utils.parseKey(key.private);
    const pub = utils.parseKey(key.public);
    if (priv instanceof Error || Array.isArray(priv) || pub instanceof Error || Array.isArray(pub)) throw new Error("key does not parse");
    const data = Buffer.from("session id");
    expect(pub.verify(data, priv.sign(data))).toBe(true);
  });

  it("is read by OpenSSH's ssh-keygen, which derives the same public line and comment", () => {
    const dir = mkdtempSync(join(tmpdir(), "puck-key-"));
    try {
      const key = generateEd25519Key("puck-gateway");
      const file = join(dir, "id_ed25519");
      writeFileSync(file, key.private, { mode: 0o600 });
      expect(execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim()).toBe(key.public);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
