// Turns the global flags (--kubeconfig, --context, -n) into a client for the selected cluster.
import type { Io } from "./io.js";
import { createKubeClient } from "./kube-client.js";
import { loadAccess, type Selection } from "./kubeconfig.js";
import type { Target } from "./sprites.js";

export function selectionOf(options: Record<string, unknown>): Selection {
  const selection: Selection = {};
  if (typeof options.kubeconfig === "string") selection.kubeconfig = options.kubeconfig;
  if (typeof options.context === "string") selection.context = options.context;
  if (typeof options.namespace === "string") selection.namespace = options.namespace;
  return selection;
}

export async function openTarget(options: Record<string, unknown>, io: Io): Promise<Target> {
  const access = await loadAccess(selectionOf(options), io.env);
  return { client: createKubeClient(access), namespace: access.namespace, allNamespaces: options.allNamespaces === true };
}
