// Puck installed in-cluster the way docs/install.md tells a user (kubectl apply -k deploy), for the journeys.
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { kubectl, makeNamespace } from "./cluster.js";
import { ensurePuckBuilt } from "./puck-cli.js";
import { waitFor } from "./wait.js";

/** The gateway Service's SSH port (deploy/gateway.yaml). */
const GATEWAY_PORT = 2222;

/** Whether host:port accepts a TCP connection now: "open", or the error that refused it. */
const tryConnect = (host: string, port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once("connect", () => (socket.destroy(), resolve("open")));
    socket.once("timeout", () => (socket.destroy(), resolve("timed out")));
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

/**
 * Applies deploy/ with Sprite URLs on (e2e/cluster/puck-urls: the component deploy/urls, domain
 * sprites.test, served by the cluster's Traefik), then restarts the operator and the gateway so they
 * run the images this test run built.
 */
export async function installPuck(): Promise<void> {
  await kubectl(["apply", "--server-side", "--force-conflicts", "-k", "e2e/cluster/puck-urls"]);
  await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/sprites.puck.sandwich.labs"]);
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "--replicas=1"]);
  await kubectl(["-n", "puck-system", "rollout", "restart", "deployment/puck-operator", "deployment/puck-gateway"]);
  await kubectl(["-n", "puck-system", "rollout", "status", "deployment/puck-operator", "--timeout=180s"], { timeoutMs: 200_000 });
  await kubectl(["-n", "puck-system", "rollout", "status", "deployment/puck-gateway", "--timeout=180s"], { timeoutMs: 200_000 });
}

/** For a journey: `puck` built, Puck installed as docs/install.md says, and a namespace of the test file's own. */
export async function installPuckWithNamespace(prefix: string): Promise<{ name: string; remove: () => Promise<void> }> {
  await ensurePuckBuilt();
  await installPuck();
  return makeNamespace(prefix);
}

/**
 * Scales the in-cluster operator to zero. Other test files run operators of their own, one per
 * namespace; the in-cluster one watches every namespace and would act on their Sprites too.
 */
export async function stopInClusterOperator(): Promise<void> {
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "--replicas=0"]).catch(() => undefined);
}

/**
 * The installed SSH gateway, serving: installed as docs/install.md says when it is not (the in-cluster operator
 * then stopped again: tests run operators of their own), else scaled up. Another file's cleanup may
 * scale it down: tests that use it run it under their own beforeAll.
 */
export async function ensureGatewayServing(): Promise<void> {
  const installed = await kubectl(["-n", "puck-system", "get", "deployment/puck-gateway", "-o", "name"]).then(() => true, () => false);
  if (!installed) {
    await installPuck();
    await stopInClusterOperator();
  }
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-gateway", "--replicas=1"]);
  await kubectl(["-n", "puck-system", "rollout", "status", "deployment/puck-gateway", "--timeout=180s"], { timeoutMs: 200_000 });
}

/**
 * The address of the gateway's LoadBalancer Service, once it serves: the cluster's ServiceLB
 * (e2e/cluster/kube/servicelb, as k3s's) gives every LoadBalancer the node's InternalIP, and
 * kube-proxy serves that address. Waits for the status, then for the address to accept a connection
 * (kube-proxy programs it only once it sees the status).
 */
export async function gatewayLoadBalancerAddress(): Promise<string> {
  const ip = await localNodeAddress();
  let published = "";
  await waitFor(
    async () => {
      published = (await kubectl(["-n", "puck-system", "get", "service", "puck-gateway", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}"])).stdout.trim();
      return published.split(/\s+/).includes(ip);
    },
    {
      what: "the gateway's LoadBalancer Service to get this node's address from ServiceLB",
      timeoutMs: 60_000,
      describe: () => `status.loadBalancer.ingress: ${published || "none"}; this node's InternalIP: ${ip}`,
    },
  );
  await untilAccepting(ip, GATEWAY_PORT, "the gateway's LoadBalancer address");
  return ip;
}

/** The domain of Sprite URLs in the local install (deploy/urls, as e2e/cluster/puck-urls includes it). */
export const URL_DOMAIN = "sprites.test";

/**
 * Where Sprite URLs are reached from this machine: the node's address, whose port 80 the cluster's
 * Traefik serves (as k3s's does on every node), once it accepts connections. A URL's name resolves
 * to it as a wildcard DNS record would make it (curl --resolve, the browser's resolver rules).
 */
export async function ingressAddress(): Promise<string> {
  const ip = await localNodeAddress();
  await untilAccepting(ip, 80, "the ingress (Traefik) on the node's port 80");
  return ip;
}

/** The InternalIP of the node this machine is (its kube-proxy and Traefik serve it here), when the cluster has several. */
async function localNodeAddress(): Promise<string> {
  const addresses = (await kubectl(["get", "nodes", "-o", "jsonpath={.items[*].status.addresses[?(@.type==\"InternalIP\")].address}"])).stdout.trim().split(/\s+/);
  const local = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
  const ip = addresses.find((a) => local.has(a));
  if (!ip) throw new Error(`no node of the cluster has an address of this machine: nodes' InternalIPs ${addresses.join(", ")}`);
  return ip;
}

/** kube-proxy programs an address only once it sees it: until then a connection is refused. */
async function untilAccepting(ip: string, port: number, what: string): Promise<void> {
  let seen = "";
  await waitFor(async () => (seen = await tryConnect(ip, port)) === "open", {
    what: `${what} ${ip}:${port} to accept a connection`,
    timeoutMs: 60_000,
    describe: () => `last attempt: ${seen}`,
  });
}
