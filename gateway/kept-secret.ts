// A value the gateway makes once and keeps in a Secret of its namespace (the SSH host key, the URL
// cookies' signing key), so every replica, restart and upgrade uses the same one.
import type { KubeClient } from "../kube/client.js";
import { isStatus } from "../kube/errors.js";
import { CORE, resourcePath } from "../kube/paths.js";

interface SecretObject {
  data?: Record<string, string>;
}

/**
 * Reads `field` of Secret `namespace/name`, making the Secret with `make()` first if there is none;
 * two makers race on the create and the loser reads the winner's. `created` says whether this call made it.
 */
export async function loadOrCreateSecretValue(
  client: KubeClient,
  target: { namespace: string; name: string; field: string },
  make: () => Buffer,
): Promise<{ value: Buffer; created: boolean }> {
  const { namespace, name, field } = target;
  const path = resourcePath(CORE.secrets, { namespace, name });
  const read = async () => {
    const secret = await client.request<SecretObject>("GET", path);
    const data = secret.data?.[field];
    if (!data) throw new Error(`Secret ${namespace}/${name} has no ${field}: delete it to have a new one made`);
    return Buffer.from(data, "base64");
  };
  try {
    return { value: await read(), created: false };
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
  const value = make();
  const body = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: { "app.kubernetes.io/name": "puck-gateway" } },
    type: "Opaque",
    data: { [field]: value.toString("base64") },
  };
  try {
    await client.request("POST", resourcePath(CORE.secrets, { namespace }), { body });
    return { value, created: true };
  } catch (error) {
    // Another replica made it first: use theirs.
    if (isStatus(error, 409)) return { value: await read(), created: false };
    throw error;
  }
}
