// A test file's own namespace with an operator process watching only it: made before the file's
// tests; afterwards its Sprites are deleted while the operator still runs (their finalizer needs
// it), the operator stops and the namespace goes. Terminals a test opens are killed first.
import { afterAll, beforeAll } from "vitest";
import { installCrd, makeNamespace } from "./cluster.js";
import { startOperator, type OperatorProcess, type StartOperatorOptions } from "./operator-process.js";
import { deleteSprites, ensurePuckBuilt } from "./puck-cli.js";
import type { Terminal } from "./terminal.js";

export interface OperatorNamespace {
  /** The namespace's name, once the file's first beforeAll has run. */
  readonly name: string;
  /** The operator process (its logs, its metrics), once the file's first beforeAll has run. */
  readonly operator: OperatorProcess;
  /** Killed before the Sprites are deleted. */
  readonly terminals: Terminal[];
  /** Stops the operator, keeping its Sprites, and starts another with these options (an upgrade of Puck). */
  restartOperator(options: Omit<StartOperatorOptions, "namespace">): Promise<void>;
}

export interface OperatorNamespaceOptions extends Omit<StartOperatorOptions, "namespace"> {
  /** How long the cleanup waits for the Sprites to be deleted (their pods to stop). */
  deleteTimeoutSeconds?: number;
}

export function useOperatorNamespace(prefix: string, { deleteTimeoutSeconds, ...options }: OperatorNamespaceOptions = {}): OperatorNamespace {
  let ns: { name: string; remove: () => Promise<void> } | undefined;
  let operator: OperatorProcess | undefined;
  const terminals: Terminal[] = [];
  beforeAll(async () => {
    await Promise.all([ensurePuckBuilt(), installCrd()]);
    ns = await makeNamespace(prefix);
    operator = await startOperator({ ...options, namespace: ns.name });
  }, 300_000);
  afterAll(async () => {
    for (const t of terminals) t.kill();
    if (ns && operator) await deleteSprites(ns.name, deleteTimeoutSeconds).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
    await operator?.stop();
    await ns?.remove();
  }, 300_000);
  return {
    get name() {
      if (!ns) throw new Error("the test namespace is made in beforeAll: use it inside hooks and tests");
      return ns.name;
    },
    get operator() {
      if (!operator) throw new Error("the operator is started in beforeAll: use it inside hooks and tests");
      return operator;
    },
    terminals,
    async restartOperator(restarted) {
      if (!ns || !operator) throw new Error("the operator is started in beforeAll: restart it inside tests");
      await operator.stop({ keepSprites: true });
      operator = await startOperator({ ...restarted, namespace: ns.name });
    },
  };
}
