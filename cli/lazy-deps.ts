// Dependencies loaded only when a command needs them: every byte loaded is parsed, and for `puck list`
// start-up is most of the time. prompts (80 KB) and client-node (3 MB) come from node_modules, their
// specifiers computed so that esbuild leaves them out; yaml (260 KB) is bundled into a chunk of its own.
// Of client-node, connect loads only Exec and its WebSocketHandler (~15 ms): its config module pulls
// in the whole generated API client (~250 ms), so puck hands the handler its own credentials instead.
import type * as Yaml from "yaml";
import type promptsType from "prompts";
import type * as ExecTypes from "@kubernetes/client-node/dist/exec.js";
import type * as HandlerTypes from "@kubernetes/client-node/dist/web-socket-handler.js";

const load = <T>(specifier: string) => import(specifier) as Promise<T>;

/**
 * The YAML library: for -o yaml, and for kubeconfigs beyond kubectl's plain layout (kube/kubeconfig.ts).
 * A plain specifier: esbuild puts it in a chunk of its own beside dist/puck.js (see scripts/build.mjs),
 * loaded only when called — one file read instead of node_modules' sixty (30 ms → 10 ms).
 */
export const loadYaml = async (): Promise<typeof Yaml> => {
  const yaml = (await import("yaml")) as typeof Yaml & { default?: typeof Yaml };
  // Bundled from its CommonJS build, yaml's functions sit on the default export.
  return typeof yaml.parse === "function" ? yaml : yaml.default!;
};

/** prompts' modern copy (its main file would pull in a second, transpiled one). */
export const loadPrompts = async () =>
  (await load<{ default: typeof promptsType }>(["prompts", "lib/index.js"].join("/"))).default;

type ExecModule = typeof ExecTypes;
type HandlerModule = typeof HandlerTypes;

/** client-node's exec parts only, not its config or generated API client: for connect's WebSocket. */
export const loadExecLibrary = () => {
  const base = "@kubernetes/client-node/dist/";
  return Promise.all([load<ExecModule>(`${base}exec.js`), load<HandlerModule>(`${base}web-socket-handler.js`)]);
};
