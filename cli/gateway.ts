// Where the SSH gateway is, as the user's cluster exposes it: its LoadBalancer Service's address,
// its pod through the API server's port-forward (for `puck ssh-proxy`), and its host key, read in
// an SSH handshake over that port-forward — a channel the kubeconfig's own TLS authenticates, so
// the key is trusted without first-use guessing and users never need the Secret with the private key.
import { createHash } from "node:crypto";
import type { Duplex } from "node:stream";
import { KubeError } from "../kube/errors.js";
import { socketConfig } from "../kube/exec-socket.js";
import { CORE, resourcePath } from "../kube/paths.js";
import { openPortForward } from "../kube/port-forward.js";
import { PuckError, toPuckError } from "./errors.js";
import { loadExecLibrary, loadSsh2 } from "./lazy-deps.js";
import type { Target } from "./sprites.js";

export const GATEWAY_NAMESPACE = "puck-system";
const GATEWAY = "puck-gateway";
const SSH_PORT = 2222;
/** The Role deploy/gateway.yaml gives users who reach the gateway through the API server. */
const USER_ROLE = "puck-gateway-user";

export interface ServiceObject {
  spec?: { ports?: { name?: string; port: number }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface PodObject {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** The LoadBalancer's first address and the Service's ssh port, or undefined while it has none. */
export function gatewayAddress(service: ServiceObject): { host: string; port: number } | undefined {
  const ingress = service.status?.loadBalancer?.ingress?.find((i) => i.ip || i.hostname);
  if (!ingress) return undefined;
  const port = service.spec?.ports?.find((p) => p.name === "ssh")?.port ?? service.spec?.ports?.[0]?.port ?? SSH_PORT;
  return { host: (ingress.ip || ingress.hostname)!, port };
}

/** A gateway pod that serves: running, ready, not being deleted. */
export function servingPod(pods: readonly PodObject[]): string | undefined {
  const ready = (p: PodObject) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
  return pods.find((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running" && ready(p))?.metadata.name;
}

/** `ssh-ed25519 AAAA…` and OpenSSH's SHA256 fingerprint of a public key blob (SSH wire format). */
export function describePublicKey(blob: Buffer): { publicKey: string; fingerprint: string } {
  const typeLength = blob.readUInt32BE(0);
  const type = blob.subarray(4, 4 + typeLength).toString("latin1");
  return {
    publicKey: `${type} ${blob.toString("base64")}`,
    fingerprint: `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`,
  };
}

/** A failure to read the gateway's objects, with the Role that grants the reads. */
function gatewayError(error: unknown, target: Target, action: string, resource: string): unknown {
  if (error instanceof KubeError && error.status === 403) {
    return new PuckError(
      `not allowed to ${action} in namespace ${GATEWAY_NAMESPACE}`,
      `ask a cluster admin to bind the Role ${GATEWAY_NAMESPACE}/${USER_ROLE} to you (\`kubectl -n ${GATEWAY_NAMESPACE} create rolebinding NAME --role ${USER_ROLE} --user YOU\`)`,
    );
  }
  if (error instanceof KubeError && error.status === 404 && error.isStatus) {
    return new PuckError(
      `the Puck SSH gateway is not installed: no ${resource} ${GATEWAY_NAMESPACE}/${GATEWAY}`,
      "install Puck with its gateway (`kubectl apply --server-side -k deploy`), or point --kubeconfig/--context at the cluster that runs it",
    );
  }
  return toPuckError(error, { action, namespace: GATEWAY_NAMESPACE, server: target.client.access.server, resource });
}

export async function getGatewayService(target: Target): Promise<ServiceObject> {
  try {
    return await target.client.request<ServiceObject>("GET", resourcePath(CORE.services, { namespace: GATEWAY_NAMESPACE, name: GATEWAY }));
  } catch (error) {
    throw gatewayError(error, target, "get the gateway's Service", "Service");
  }
}

async function gatewayPod(target: Target): Promise<string> {
  let pods: { items: PodObject[] };
  try {
    pods = await target.client.request<{ items: PodObject[] }>("GET", resourcePath(CORE.pods, { namespace: GATEWAY_NAMESPACE }), {
      query: { labelSelector: `app.kubernetes.io/name=${GATEWAY}` },
    });
  } catch (error) {
    throw gatewayError(error, target, "list the gateway's pods", "pods");
  }
  const pod = servingPod(pods.items);
  if (!pod) {
    throw new PuckError(
      `no pod of the Puck SSH gateway is ready in namespace ${GATEWAY_NAMESPACE}`,
      `see \`kubectl -n ${GATEWAY_NAMESPACE} get pods -l app.kubernetes.io/name=${GATEWAY}\``,
    );
  }
  return pod;
}

/** Opens a port-forward WebSocket with the user's own credentials (client-node's handler, loaded lazily). */
export async function socketOpener(target: Target) {
  const [, { WebSocketHandler }] = await loadExecLibrary();
  const config = socketConfig(target.client);
  // Inert streams: the handler would end() its default ones (the process's) on a v5 close frame.
  const inert = { end: () => undefined, pause: () => undefined, write: () => true };
  return new WebSocketHandler(config, undefined, { stdin: inert, stdout: inert, stderr: inert } as never);
}

/** The WebSocket's failed upgrade says only "Unexpected server response: 403": name the right that is missing. */
export function forwardOpenError(error: unknown, namespace: string, what: string): PuckError {
  const text = error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error);
  const code = /Unexpected server response: (\d+)/.exec(text)?.[1];
  if (code === "403") {
    return new PuckError(
      `not allowed to port-forward to ${what} in namespace ${namespace}`,
      `ask a cluster admin for "create" on pods/portforward (check with \`kubectl auth can-i create pods/portforward -n ${namespace}\`)`,
    );
  }
  const failure = new PuckError(`could not port-forward to ${what}: ${code ? `HTTP ${code}` : text}`, "check that the cluster is reachable and retry");
  failure.retryable = code === "404" || code?.startsWith("5") === true;
  return failure;
}

/** A byte stream to the gateway's SSH port, through the API server. */
export async function openGatewayStream(target: Target): Promise<Duplex> {
  const [pod, opener] = await Promise.all([gatewayPod(target), socketOpener(target)]);
  try {
    return await openPortForward(opener, { namespace: GATEWAY_NAMESPACE, pod, port: SSH_PORT });
  } catch (error) {
    throw forwardOpenError(error, GATEWAY_NAMESPACE, `the gateway pod ${pod}`);
  }
}

/** The gateway's host key, as its SSH handshake presents it; the handshake stops there. */
export async function fetchHostKey(target: Target, timeoutMs = 20_000): Promise<{ publicKey: string; fingerprint: string }> {
  const [{ Client }, sock] = await Promise.all([loadSsh2(), openGatewayStream(target)]);
  return new Promise((resolve, reject) => {
    const client = new Client();
    let key: Buffer | undefined;
    client.on("error", (error) => {
      sock.destroy();
      if (key) resolve(describePublicKey(key));
      else reject(new PuckError(`could not read the gateway's host key: ${error.message}`, `see \`kubectl -n ${GATEWAY_NAMESPACE} logs deploy/${GATEWAY}\``));
    });
    client.connect({
      sock,
      username: "puck-host-key",
      readyTimeout: timeoutMs,
      // Refusing the key ends the handshake before any authentication: only the key is wanted.
      hostVerifier: (blob: Buffer) => {
        key = blob;
        return false;
      },
    });
  });
}
