// Turns the global flags (--kubeconfig, --context, -n) into a client for the selected cluster.
import { createKubeClient } from "../kube/client.js";
import type { GlobalOptions } from "./flags.js";
import { loadKubeconfig, type Selection } from "../kube/kubeconfig.js";
import { toPuckError } from "./errors.js";
import type { Io } from "./io.js";
import { loadYaml } from "./lazy-deps.js";
import { checkSkew } from "./skew.js";
import type { Target } from "./sprites.js";

/** The flags that pick the cluster and namespace: the global ones, and -A where a command takes it. */
export type TargetOptions = GlobalOptions & { allNamespaces?: boolean | undefined };

export function selectionOf(options: TargetOptions): Selection {
  const selection: Selection = {};
  if (options.kubeconfig !== undefined) selection.kubeconfig = options.kubeconfig;
  if (options.context !== undefined) selection.context = options.context;
  if (options.namespace !== undefined) selection.namespace = options.namespace;
  return selection;
}

export async function openTarget(options: TargetOptions, io: Io): Promise<Target> {
  let access;
  try {
    // yaml is loaded from node_modules, not bundled: see lazy-deps.ts.
    access = await loadKubeconfig(selectionOf(options), io.env, loadYaml);
  } catch (error) {
    throw toPuckError(error, { action: "read the kubeconfig" });
  }
  const client = createKubeClient(access);
  // Once per command: a warning when the installed operator is too far from this CLI (skew.ts).
  checkSkew(client, io);
  return { client, namespace: access.namespace, allNamespaces: options.allNamespaces === true };
}
