// Turns the global flags (--kubeconfig, --context, -n) into a client for the selected cluster.
import { createKubeClient } from "../kube/client.js";
import { loadKubeconfig, type Selection } from "../kube/kubeconfig.js";
import { toPuckError } from "./errors.js";
import type { Io } from "./io.js";
import { loadYaml } from "./lazy-deps.js";
import type { Target } from "./sprites.js";

export function selectionOf(options: Record<string, unknown>): Selection {
  const selection: Selection = {};
  if (typeof options.kubeconfig === "string") selection.kubeconfig = options.kubeconfig;
  if (typeof options.context === "string") selection.context = options.context;
  if (typeof options.namespace === "string") selection.namespace = options.namespace;
  return selection;
}

export async function openTarget(options: Record<string, unknown>, io: Io): Promise<Target> {
  let access;
  try {
    // yaml is loaded from node_modules, not bundled: see lazy-deps.ts.
    access = await loadKubeconfig(selectionOf(options), io.env, loadYaml);
  } catch (error) {
    throw toPuckError(error, { action: "read the kubeconfig" });
  }
  return { client: createKubeClient(access), namespace: access.namespace, allNamespaces: options.allNamespaces === true };
}
