// How a Puck program in the cluster starts: its flags parsed (a bad one is one line and exit 2), and
// the API server found — the kubeconfig it was given (a run on a host), else its pod's service
// account.
import { AccessError, type ClusterAccess } from "./access.js";
import { inClusterAccess } from "./in-cluster.js";
import { loadKubeconfig } from "./kubeconfig.js";

/** Prints `PROGRAM: message` and exits 2, as for any usage error. */
export function failStart(program: string, message: string): never {
  process.stderr.write(`${program}: ${message}\n`);
  process.exit(2);
}

/** Parses the flags with `parse` (commander, exiting by exception); --help and --version exit 0. */
export function parseProgramFlags<T>(program: string, parse: (argv: string[]) => T, argv = process.argv.slice(2)): T {
  try {
    return parse(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version") process.exit(0);
    failStart(program, `${error instanceof Error ? error.message.replace(/^error: /, "") : String(error)} (see --help)`);
  }
}

/** --kubeconfig on a host (its current context), else the pod's service account. */
export async function programAccess(program: string, kubeconfig: string | undefined): Promise<ClusterAccess> {
  try {
    if (kubeconfig) return await loadKubeconfig({ kubeconfig }, process.env, () => import("yaml"));
    return inClusterAccess(process.env);
  } catch (error) {
    if (error instanceof AccessError) failStart(program, `${error.message}: ${error.hint}.`);
    throw error;
  }
}
