// Dependencies loaded from node_modules only when a command needs them. Their specifiers are computed
// so that esbuild leaves them out of dist/puck-cli.js: every byte in the bundle is parsed on every start,
// and for `puck list` that start-up is most of the time (yaml 260 KB, prompts 80 KB, client-node 3 MB).
// Of client-node, connect loads only Exec and its WebSocketHandler (~15 ms): its config module pulls
// in the whole generated API client (~250 ms), so puck hands the handler its own credentials instead.
import type * as Yaml from "yaml";
import type promptsType from "prompts";
import type * as ExecTypes from "@kubernetes/client-node/dist/exec.js";
import type * as HandlerTypes from "@kubernetes/client-node/dist/web-socket-handler.js";
import type Ssh2 from "ssh2";

const load = <T>(specifier: string) => import(specifier) as Promise<T>;

/** The YAML library: for -o yaml, and for kubeconfigs beyond kubectl's plain layout (kube/kubeconfig.ts). */
export const loadYaml = () => load<typeof Yaml>(["yaml"].join(""));

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

/** ssh2, for reading the gateway's host key in an SSH handshake (`puck ssh-config --known-hosts`). */
export const loadSsh2 = async () => (await load<{ default: typeof Ssh2 }>(["ssh", "2"].join(""))).default;
