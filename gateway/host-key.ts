// The gateway's SSH host key: made once (ed25519) and kept in a Secret, so every replica, restart
// and upgrade answers with the same key and clients' known_hosts stay valid.
import ssh2 from "ssh2";
import type { KubeClient } from "../kube/client.js";
import { isStatus } from "../kube/errors.js";
import { CORE, resourcePath } from "../kube/paths.js";
import { fingerprint } from "./authorized-keys.js";

const { utils } = ssh2;
const KEY_FIELD = "ssh_host_ed25519_key";

export interface HostKey {
  /** The private key, OpenSSH format. */
  privateKey: string;
  /** `ssh-ed25519 AAAA…`: the known_hosts form. */
  publicKey: string;
  fingerprint: string;
}

interface SecretObject {
  data?: Record<string, string>;
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
  const path = resourcePath(CORE.secrets, { namespace, name });
  const read = async () => {
    const secret = await client.request<SecretObject>("GET", path);
    const data = secret.data?.[KEY_FIELD];
    if (!data) throw new Error(`Secret ${namespace}/${name} has no ${KEY_FIELD}: delete it to have a new host key made`);
    return describeHostKey(Buffer.from(data, "base64").toString("utf8"));
  };
  try {
    return { ...(await read()), created: false };
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
  const privateKey = utils.generateKeyPairSync("ed25519").private;
  const body = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: { "app.kubernetes.io/name": "puck-gateway" } },
    type: "Opaque",
    data: { [KEY_FIELD]: Buffer.from(privateKey).toString("base64") },
  };
  try {
    await client.request("POST", resourcePath(CORE.secrets, { namespace }), { body });
    return { ...describeHostKey(privateKey), created: true };
  } catch (error) {
    // Another replica made it first: use theirs.
    if (isStatus(error, 409)) return { ...(await read()), created: false };
    throw error;
  }
}
