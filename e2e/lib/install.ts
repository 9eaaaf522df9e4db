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
  // The node this machine is (its kube-proxy serves the address here), when the cluster has several.
  const addresses = (await kubectl(["get", "nodes", "-o", "jsonpath={.items[*].status.addresses[?(@.type==\"InternalIP\")].address}"])).stdout.trim().split(/\s+/);
  const local = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
  let published = "";
  const ip = await waitFor(
    async () => {
      published = (await kubectl(["-n", "puck-system", "get", "service", "puck-gateway", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}"])).stdout.trim();
      return published.split(/\s+/).find((a) => local.has(a) && addresses.includes(a));
    },
    {
      what: "the gateway's LoadBalancer Service to get this node's address from ServiceLB",
      timeoutMs: 60_000,
      describe: () => `status.loadBalancer.ingress: ${published || "none"}; this node's InternalIPs: ${addresses.join(", ")}`,
    },
  );
  let seen = "";
  await waitFor(async () => (seen = await tryConnect(ip, GATEWAY_PORT)) === "open", {
    what: `the gateway's LoadBalancer address ${ip}:${GATEWAY_PORT} to accept a connection`,
    timeoutMs: 60_000,
    describe: () => `last attempt: ${seen}`,
  });
  return ip;
}
