// cli/lazy-deps.ts for the release bundles (scripts/release/bundle.ts puts it in that file's place):
// the same loaders with plain specifiers, so that esbuild bundles the dependencies, each still loaded
// only by the command that needs it. Its type is checked against cli/lazy-deps.ts's exports.
import type * as Original from "../../cli/lazy-deps.js";

type Yaml = Awaited<ReturnType<typeof Original.loadYaml>>;

// yaml is CommonJS: in the npm package's chunks, esbuild hands a CommonJS module to import() as its
// default export only (Node would add the names it finds); the single executable's bundle has both.
export const loadYaml: typeof Original.loadYaml = async () => {
  const loaded = (await import("yaml")) as Yaml & { default?: Yaml };
  return typeof loaded.stringify === "function" ? loaded : loaded.default!;
};

export const loadPrompts: typeof Original.loadPrompts = async () =>
  // @ts-expect-error: prompts' modern copy has no types of its own; its default export is prompts.
  (await import("prompts/lib/index.js")).default as Awaited<ReturnType<typeof Original.loadPrompts>>;

export const loadExecLibrary: typeof Original.loadExecLibrary = () =>
  Promise.all([import("@kubernetes/client-node/dist/exec.js"), import("@kubernetes/client-node/dist/web-socket-handler.js")]);

export const loadSsh2: typeof Original.loadSsh2 = async () => (await import("ssh2")).default;

// Every loader of the original is here: a new one there fails this line until it is added.
const _all: Record<keyof typeof Original, unknown> = { loadYaml, loadPrompts, loadExecLibrary, loadSsh2 };
