// The gateway's SSH host key: made once (ed25519) and kept in a Secret, so every replica, restart
// and upgrade answers with the same key and clients' known_hosts stay valid.
import ssh2 from "ssh2";
import type { KubeClient } from "../kube/client.js";
import { fingerprint } from "./authorized-keys.js";
import { loadOrCreateSecretValue } from "./kept-secret.js";
import { generateEd25519Key } from "./openssh-key.js";

const { utils } = ssh2;
const KEY_FIELD = "ssh_host_ed25519_key";

export interface HostKey {
  /** The private key, OpenSSH format. */
  privateKey: string;
  /** `ssh-ed25519 AAAA…`: the known_hosts form. */
  publicKey: string;
  fingerprint: string;
}

/** The public half and fingerprint of a private host key. */
export function describeHostKey(privateKey: string): HostKey {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new Error("the host key Secret holds no usable private key", { cause: parsed });
  const blob = parsed.getPublicSSH();
  return { privateKey, publicKey: `${parsed.type} ${blob.toString("base64")}`, fingerprint: fingerprint(blob) };
}

/** Reads the host key from its Secret, making the Secret first if there is none (one maker wins a race). */
export async function loadOrCreateHostKey(client: KubeClient, namespace: string, name: string): Promise<HostKey & { created: boolean }> {
  const { value, created } = await loadOrCreateSecretValue(client, { namespace, name, field: KEY_FIELD }, () => Buffer.from(generateEd25519Key().private));
  return { ...describeHostKey(value.toString("utf8")), created };
}
