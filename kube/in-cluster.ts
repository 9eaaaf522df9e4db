// Access from inside a pod: the API service from the environment, the mounted CA, token and namespace.
import { readFileSync } from "node:fs";
import { AccessError, type ClusterAccess } from "./access.js";

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * The token is not read here but by the client before each request, whenever the file changed:
 * the kubelet rewrites the projected token well before it expires.
 */
export function inClusterAccess(env: Record<string, string | undefined>, dir = SERVICE_ACCOUNT_DIR): ClusterAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) {
    throw new AccessError("not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set)", "pass --kubeconfig PATH to run outside a cluster");
  }
  const read = (file: string) => {
    try {
      return readFileSync(`${dir}/${file}`, "utf8");
    } catch (error) {
      throw new AccessError(`cannot read the service account's ${file}: ${(error as Error).message}`, "mount a service-account token (automountServiceAccountToken)");
    }
  };
  const bracketed = host.includes(":") ? `[${host}]` : host;
  return {
    server: `https://${bracketed}:${env.KUBERNETES_SERVICE_PORT || "443"}`,
    namespace: read("namespace").trim(),
    ca: read("ca.crt"),
    insecure: false,
    tokenFile: `${dir}/token`,
  };
}
