// Reads a Sprite's spec.authorizedKeys (OpenSSH authorized_keys lines) into the keys the gateway
// accepts, and says why any line is not used. An option the gateway cannot honour makes its key
// unusable: the key is refused rather than let in with more than its line allows.
import { createHash } from "node:crypto";
import ssh2 from "ssh2";

const { utils } = ssh2;

export interface KeyRestrictions {
  /** A terminal may be allocated (no `no-pty`, or `pty` after `restrict`). */
  pty: boolean;
  /** `ssh -L`/`-D` may reach the Sprite's ports (no `no-port-forwarding`, or `port-forwarding` after `restrict`). */
  portForwarding: boolean;
}

export interface AuthorizedKey {
  /** The key's type as written, e.g. ssh-ed25519. */
  type: string;
  /** The public key blob, as a client offers it. */
  blob: Buffer;
  /** OpenSSH's SHA256 fingerprint: what logs and messages show instead of the key. */
  fingerprint: string;
  comment: string;
  restrictions: KeyRestrictions;
}

export interface UnusableKeyLine {
  /** 1-based index into spec.authorizedKeys. */
  index: number;
  reason: string;
}

/** Key types the gateway accepts: current OpenSSH defaults that ssh2 verifies. */
const KEY_TYPES = new Set(["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"]);
/** RSA keys below this size are refused, as current OpenSSH refuses them. */
const MIN_RSA_BITS = 2048;

/**
 * Options the gateway honours. The ones that grant what the gateway never offers (agent and X11
 * forwarding, ~/.ssh/rc) change nothing; the rest narrow what the key may do.
 */
const HONOURED_FLAGS: Record<string, (r: KeyRestrictions) => void> = {
  restrict: (r) => {
    r.pty = false;
    r.portForwarding = false;
  },
  "no-pty": (r) => void (r.pty = false),
  pty: (r) => void (r.pty = true),
  "no-port-forwarding": (r) => void (r.portForwarding = false),
  "port-forwarding": (r) => void (r.portForwarding = true),
  "no-agent-forwarding": () => undefined,
  "agent-forwarding": () => undefined,
  "no-x11-forwarding": () => undefined,
  "x11-forwarding": () => undefined,
  "no-user-rc": () => undefined,
  "user-rc": () => undefined,
};

/** OpenSSH's fingerprint of a public key blob: SHA256 in unpadded base64. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Splits the options field of a line: commas separate options except inside double quotes, where a
 * backslash escapes a quote. Returns the options and the rest of the line, or undefined when a
 * quote is left open.
 */
export function splitOptions(line: string): { options: string[]; rest: string } | undefined {
  const options: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === "\\" && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      options.push(current);
      current = "";
    } else if (c === " " || c === "\t") {
      options.push(current);
      return { options, rest: line.slice(i + 1).trim() };
    } else current += c;
  }
  return quoted ? undefined : { options: [...options, current], rest: "" };
}

type LineResult = { key: AuthorizedKey } | { reason: string };

function parseLine(raw: string): LineResult | undefined {
  const line = raw.trim();
  if (line === "" || line.startsWith("#")) return undefined;
  let restrictions: KeyRestrictions = { pty: true, portForwarding: true };
  let keyPart = line;
  const first = line.split(/\s+/, 1)[0]!;
  // A line starts with its options unless it starts with a key type (known or not).
  if (!/^(ssh-|ecdsa-|sk-)/.test(first)) {
    const split = splitOptions(line);
    if (!split) return { reason: "an option's quote is never closed" };
    restrictions = { pty: true, portForwarding: true };
    for (const option of split.options) {
      const name = option.split("=", 1)[0]!.toLowerCase();
      const apply = option.includes("=") ? undefined : HONOURED_FLAGS[name];
      if (!apply) return { reason: `option "${name}" is not supported by Puck's SSH gateway: remove it, or the key is not accepted` };
      apply(restrictions);
    }
    keyPart = split.rest;
  }
  const [type = "", data = "", ...comment] = keyPart.split(/\s+/);
  if (!KEY_TYPES.has(type)) {
    return { reason: type === "" ? "the line has no key" : `key type "${type}" is not supported: use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa (2048 bits or more)` };
  }
  const parsed = utils.parseKey(`${type} ${data}`);
  if (parsed instanceof Error || Array.isArray(parsed)) return { reason: `the ${type} key does not parse (${parsed instanceof Error ? parsed.message : "several keys"})` };
  const blob = parsed.getPublicSSH();
  if (type === "ssh-rsa" && rsaBits(blob) < MIN_RSA_BITS) return { reason: `the ssh-rsa key has ${rsaBits(blob)} bits; at least ${MIN_RSA_BITS} are needed` };
  return { key: { type, blob, fingerprint: fingerprint(blob), comment: comment.join(" "), restrictions } };
}

/** The modulus size of an ssh-rsa public key blob (string type, mpint e, mpint n). */
function rsaBits(blob: Buffer): number {
  let at = 0;
  const field = () => {
    const length = blob.readUInt32BE(at);
    const value = blob.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    return value;
  };
  field();
  field();
  const modulus = field();
  let start = 0;
  while (start < modulus.length && modulus[start] === 0) start++;
  if (start === modulus.length) return 0;
  return (modulus.length - start - 1) * 8 + (32 - Math.clz32(modulus[start]!));
}

/** Parses every line of spec.authorizedKeys; an entry may hold several lines. */
export function parseAuthorizedKeys(entries: readonly string[]): { keys: AuthorizedKey[]; unusable: UnusableKeyLine[] } {
  const keys: AuthorizedKey[] = [];
  const unusable: UnusableKeyLine[] = [];
  entries.forEach((entry, i) => {
    for (const line of entry.split("\n")) {
      const result = parseLine(line);
      if (!result) continue;
      if ("key" in result) keys.push(result.key);
      else unusable.push({ index: i + 1, reason: result.reason });
    }
  });
  return { keys, unusable };
}

/** The authorized key whose blob the client offered, if any. */
export function findKey(keys: readonly AuthorizedKey[], offered: Buffer): AuthorizedKey | undefined {
  return keys.find((k) => k.blob.equals(offered));
}
