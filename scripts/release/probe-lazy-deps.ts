// Bundled like the CLI by bundle.test.ts, in both release formats: every loader of cli/lazy-deps.ts
// must hand back what the CLI uses from it. Prints one JSON line.
import { loadExecLibrary, loadPrompts, loadSsh2, loadYaml } from "../../cli/lazy-deps.js";

async function probe(): Promise<Record<string, string>> {
  const yaml = await loadYaml();
  const prompts = await loadPrompts();
  const [exec, handler] = await loadExecLibrary();
  const ssh2 = await loadSsh2();
  return {
    yaml: yaml.stringify({ a: 1 }).trim(),
    prompts: typeof prompts,
    exec: typeof exec.Exec,
    handler: typeof handler.WebSocketHandler,
    ssh2: typeof ssh2.Client,
  };
}

void probe().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  },
);
