// Puck installed in-cluster the way README tells a user (kubectl apply -k deploy), for the journeys.
import { kubectl } from "./cluster.js";

/** Applies deploy/, then restarts the operator and the gateway so they run the images this test run built. */
export async function installPuck(): Promise<void> {
  await kubectl(["apply", "--server-side", "--force-conflicts", "-k", "deploy"]);
  await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/sprites.puck.sandwich.labs"]);
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "--replicas=1"]);
  await kubectl(["-n", "puck-system", "rollout", "restart", "deployment/puck-operator", "deployment/puck-gateway"]);
  await kubectl(["-n", "puck-system", "rollout", "status", "deployment/puck-operator", "--timeout=180s"], { timeoutMs: 200_000 });
  await kubectl(["-n", "puck-system", "rollout", "status", "deployment/puck-gateway", "--timeout=180s"], { timeoutMs: 200_000 });
}

/**
 * Scales the in-cluster operator to zero. Other test files run operators of their own, one per
 * namespace; the in-cluster one watches every namespace and would act on their Sprites too.
 */
export async function stopInClusterOperator(): Promise<void> {
  await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "--replicas=0"]).catch(() => undefined);
}
