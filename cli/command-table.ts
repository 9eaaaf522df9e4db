// Every command of `puck` in one table: program.ts registers them from it, loads a command's module
// only when it runs, and `puck completion` completes from it. A new command is one entry here plus
// its module under commands/.
import {
  ALL_NAMESPACES,
  NO_WAIT,
  negatedFlag,
  output,
  repeatedFlag,
  switchFlag,
  valueFlag,
  WAIT_TIMEOUT,
  YES,
  type Flags,
  type GlobalOptions,
  type OptionsOf,
} from "./flags.js";
import type { Io } from "./io.js";

/** A command: its positional arguments, its parsed flags (and the global ones), exit code out. */
export type CommandFn<O> = (args: string[], options: O, io: Io) => Promise<number>;

export interface CommandSpec<F extends Flags> {
  name: string;
  alias?: string;
  description: string;
  /** commander's syntax and a description: "<name>" required, "[name]" optional, "[command...]" the rest. */
  arguments?: [syntax: string, description: string][];
  flags: F;
  examples?: string[];
  /** More help, after the examples. */
  notes?: string;
  /** What the shell completes as the first argument: a Sprite's name, or a shell's. */
  completes?: "sprite" | "shell";
  /** The command's module, imported only when the command runs: start-up stays light. */
  load: () => Promise<CommandFn<OptionsOf<F> & GlobalOptions>>;
}

/** A table entry, its options' type checked against its flags by `command` and erased here. */
export type CommandEntry = Omit<CommandSpec<Flags>, "load"> & {
  load: () => Promise<unknown>;
  run: (args: string[], options: Record<string, unknown>, io: Io) => Promise<number>;
};

/** Checks that the module's function takes what the flags give, then runs it with what commander parsed. */
function command<F extends Flags>(spec: CommandSpec<F>): CommandEntry {
  // The one cast of options: commander built them from exactly these flags (and the global ones).
  return { ...spec, run: async (args, options, io) => (await spec.load())(args, options as OptionsOf<F> & GlobalOptions, io) };
}

/** The argument of every command that acts on one Sprite. */
const SPRITE: [string, string] = ["<name>", "the Sprite"];

export const COMMANDS: readonly CommandEntry[] = [
  command({
    name: "create",
    description: "create a Sprite (prompts for missing values on a terminal)",
    arguments: [["[name]", "name of the Sprite: lowercase letters, digits and '-'"]],
    flags: {
      image: valueFlag("--image <image>", "container image"),
      storage: valueFlag("--storage <size>", "size of the home volume, e.g. 10Gi"),
      storageClass: valueFlag("--storage-class <class>", "StorageClass of the home volume (default: the cluster's)"),
      persist: valueFlag("--persist <what>", "what survives hibernation: machine (default: the whole disk, packages and /etc too) or home (only the home)"),
      idleTimeout: valueFlag("--idle-timeout <duration>", "hibernate after this much inactivity: minutes, or e.g. 45m, 2h"),
      cpu: valueFlag("--cpu <cpu>", "CPU request, e.g. 500m or 2"),
      memory: valueFlag("--memory <memory>", "memory request, e.g. 512Mi"),
      cpuLimit: valueFlag("--cpu-limit <cpu>", "CPU limit"),
      memoryLimit: valueFlag("--memory-limit <memory>", "memory limit"),
      authorizedKeys: valueFlag("--authorized-keys <file>", "SSH public keys to authorise (an authorized_keys file)"),
      node: valueFlag("--node <node>", "run on this node (its kubernetes.io/hostname label); a local home volume keeps it there"),
      tolerate: repeatedFlag("--tolerate <taint>", "tolerate a node taint: KEY[=VALUE][:EFFECT]"),
      http: repeatedFlag("--http <port>", "a port it serves over HTTP, with a URL that wakes it: PORT (private) or PORT:public"),
      allow: repeatedFlag("--allow <target>", "let it reach a range (192.168.1.0/24[:PORT,...]), a Service (service/[NAMESPACE/]NAME) or a Sprite (sprite/[NAMESPACE/]NAME) beyond DNS, the API server and the internet"),
      dryRun: switchFlag("--dry-run", "print the Sprite instead of creating it"),
      output: output(["yaml", "json"]),
      wait: NO_WAIT,
      timeout: WAIT_TIMEOUT,
    },
    examples: ["puck create dev", "puck create web --image node:24 --idle-timeout 2h --memory 1Gi --http 3000", "puck create dev --dry-run -o yaml"],
    load: async () => (await import("./commands/create.js")).create,
  }),
  command({
    name: "list",
    alias: "ls",
    description: "list Sprites with their phase, sessions and time until hibernation",
    flags: { output: output(["wide", "name", "json", "yaml"]), watch: switchFlag("-w, --watch", "keep watching and print changes"), allNamespaces: ALL_NAMESPACES },
    examples: ["puck list", "puck list -o wide", "puck list -o json | jq '.items[].metadata.name'"],
    load: async () => (await import("./commands/list.js")).list,
  }),
  command({
    name: "connect",
    description: "wake a Sprite if needed and open a shell in it, or run a command",
    arguments: [
      SPRITE,
      ["[command...]", "a command to run instead of a shell (after --)"],
    ],
    flags: {
      tty: switchFlag("-t, --tty", "give the command a terminal"),
      stdin: switchFlag("-i, --stdin", "pass stdin to the command (default when stdin is not a terminal)"),
      timeout: WAIT_TIMEOUT,
    },
    examples: ["puck connect dev", "puck connect dev -- uname -a", "puck connect dev -t -- htop"],
    notes:
      "Exit codes: the command's own; 255 when the session ended without one (the Sprite hibernated, was deleted\nor its pod stopped — puck says which — or the connection dropped); 3 when the Sprite could not start.",
    completes: "sprite",
    load: async () => (await import("./commands/connect.js")).connect,
  }),
  command({
    name: "wake",
    description: "wake a hibernating Sprite and wait until it is Active",
    arguments: [SPRITE],
    flags: { wait: NO_WAIT, timeout: WAIT_TIMEOUT },
    completes: "sprite",
    load: async () => (await import("./commands/wake.js")).wake,
  }),
  command({
    name: "hibernate",
    description: "hibernate a Sprite now, whatever its activity (its storage is kept)",
    arguments: [SPRITE],
    flags: { yes: YES },
    completes: "sprite",
    load: async () => (await import("./commands/hibernate.js")).hibernate,
  }),
  command({
    name: "prune-systems",
    description: "delete the earlier systems a Sprite's volume kept after its image changed (asks first)",
    arguments: [SPRITE],
    flags: { yes: YES },
    completes: "sprite",
    load: async () => (await import("./commands/prune-systems.js")).pruneSystems,
  }),
  command({
    name: "keepawake",
    description: "keep a Sprite awake for a while, whatever its activity",
    arguments: [SPRITE],
    flags: {
      for: valueFlag("--for <duration>", "how long, e.g. 2h or 90m"),
      until: valueFlag("--until <time>", "until this time (RFC 3339, e.g. 2026-01-01T18:00:00Z)"),
      off: switchFlag("--off", "stop keeping it awake"),
    },
    examples: ["puck keepawake dev --for 2h", "puck keepawake dev --off"],
    completes: "sprite",
    load: async () => (await import("./commands/keepawake.js")).keepawake,
  }),
  command({
    name: "describe",
    description: "show a Sprite in detail: spec, status, sessions, why it is awake, recent events",
    arguments: [SPRITE],
    flags: {},
    completes: "sprite",
    load: async () => (await import("./commands/describe.js")).describe,
  }),
  command({
    name: "delete",
    description: "delete a Sprite; its home volume is kept unless --purge",
    arguments: [SPRITE],
    flags: { purge: switchFlag("--purge", "delete the home volume too (asks first)"), yes: YES },
    completes: "sprite",
    load: async () => (await import("./commands/delete.js")).deleteCommand,
  }),
  command({
    name: "top",
    description: "live view of every Sprite's activity (q or Ctrl-C quits)",
    flags: { once: switchFlag("--once", "print one frame and exit (the default when stdout is not a terminal)"), allNamespaces: ALL_NAMESPACES },
    load: async () => (await import("./commands/top.js")).top,
  }),
  command({
    name: "ssh-config",
    description: "print ~/.ssh/config blocks for Sprites behind the SSH gateway (ssh NAME.puck), or its known_hosts line",
    arguments: [["[name...]", "the Sprites (default: every Sprite of the namespace, or of all with -A)"]],
    flags: {
      allNamespaces: ALL_NAMESPACES,
      proxy: switchFlag("--proxy", "reach the gateway through the Kubernetes API (ProxyCommand puck ssh-proxy), not its LoadBalancer"),
      knownHosts: switchFlag("--known-hosts", "print the gateway's known_hosts line instead, its key read through the Kubernetes API"),
    },
    examples: ["puck ssh-config >> ~/.ssh/config", "puck ssh-config --known-hosts >> ~/.ssh/known_hosts", "ssh dev.puck", "puck ssh-config dev --proxy"],
    completes: "sprite",
    load: async () => (await import("./commands/ssh-config.js")).sshConfig,
  }),
  command({
    name: "ssh-proxy",
    description: "carry an SSH connection to the gateway on stdin/stdout through the Kubernetes API (an OpenSSH ProxyCommand)",
    flags: {},
    examples: ["ssh -o ProxyCommand='puck ssh-proxy' dev@puck-gateway"],
    load: async () => (await import("./commands/ssh-proxy.js")).sshProxy,
  }),
  command({
    name: "port-forward",
    description: "forward local ports to ports of a Sprite, waking it on the first connection (Ctrl-C stops)",
    arguments: [
      ["<name>", "the Sprite"],
      ["<ports...>", "[LOCAL:]REMOTE: 8080, 9000:80, or :80 for any free local port"],
    ],
    flags: {
      address: valueFlag("--address <address>", "local address to listen on (default: 127.0.0.1)"),
      timeout: WAIT_TIMEOUT,
    },
    examples: ["puck port-forward dev 8080", "puck port-forward dev 9000:80 :5432"],
    completes: "sprite",
    load: async () => (await import("./commands/port-forward.js")).portForward,
  }),
  command({
    name: "url",
    description: "print a Sprite's URLs; declare or remove a port it serves over HTTP; make, list or revoke tokens for API clients",
    arguments: [SPRITE, ["[port]", "the port (default: the Sprite's only one)"]],
    flags: {
      add: switchFlag("--add", "serve this port over HTTP (private unless --public)"),
      remove: switchFlag("--remove", "stop serving this port over HTTP"),
      public: switchFlag("--public", "anyone with the URL may open it"),
      private: switchFlag("--private", "only people who can reach the Sprite with puck (the default)"),
      token: switchFlag("--token", "print a new token for API clients (curl, git, webhooks) of this private port"),
      expires: valueFlag("--expires <duration>", "with --token: how long it lasts (default 30d)"),
      tokens: switchFlag("--tokens", "list the Sprite's tokens"),
      revoke: valueFlag("--revoke <token>", "revoke (delete) a token by its name"),
    },
    examples: [
      "puck url dev                       # every URL of Sprite dev",
      "puck url dev 3000 --add            # serve port 3000 (private)",
      "puck url dev 8080 --add --public",
      "TOKEN=$(puck url dev 3000 --token) && curl -H \"Authorization: Bearer $TOKEN\" $(puck url dev 3000)",
      "puck url dev --tokens",
      "puck url dev --revoke token-abcdefghij",
    ],
    notes: "A request to a hibernated Sprite's URL wakes it; a page's background request does not (docs/urls.md).",
    completes: "sprite",
    load: async () => (await import("./commands/url.js")).url,
  }),
  command({
    name: "network",
    description: "show what a Sprite may reach over the network; let it reach a range or a Service, or take that back",
    arguments: [SPRITE],
    flags: {
      allow: repeatedFlag("--allow <target>", "let it reach a range (192.168.1.0/24[:PORT,...]), a Service (service/[NAMESPACE/]NAME) or another Sprite (sprite/[NAMESPACE/]NAME)"),
      remove: repeatedFlag("--remove <target>", "take back an --allow"),
    },
    examples: ["puck network dev", "puck network dev --allow 192.168.1.0/24", "puck network dev --allow service/media/jellyfin", "puck network dev --allow sprite/db", "puck network dev --remove 192.168.1.0/24"],
    notes: "A Sprite always reaches DNS, the Kubernetes API server and the internet; nothing else of the cluster or the LAN, and nothing reaches it over the pod network, unless allowed (docs/isolation.md).",
    completes: "sprite",
    load: async () => (await import("./commands/network.js")).network,
  }),
  command({
    name: "open",
    description: "open a Sprite's URL in your browser, signed in (wakes the Sprite)",
    arguments: [SPRITE, ["[port]", "the port (default: the Sprite's only one)"]],
    flags: { browser: negatedFlag("--no-browser", "print the address (with its single-use sign-in code) instead of opening a browser") },
    examples: ["puck open dev", "puck open dev 3000", "puck open dev 3000 --no-browser"],
    completes: "sprite",
    load: async () => (await import("./commands/open.js")).open,
  }),
  command({
    name: "version",
    description: "print puck's version and the installed operator's (warns when they are too far apart)",
    flags: { output: output(["json", "yaml"]), client: switchFlag("--client", "print puck's version only, without asking the cluster") },
    examples: ["puck version", "puck version -o json"],
    notes: "The operator's version is read from the Deployment puck-system/puck-operator: it takes `get` on that\nDeployment; without it, `operator: unknown (no permission ...)`.",
    load: async () => (await import("./commands/version.js")).version,
  }),
  command({
    name: "service",
    description: "declare the programs a Sprite starts at every wake, and list, start, stop, restart or remove them",
    arguments: [
      ["<action>", "add, list, remove, start, stop or restart"],
      ["<name>", "the Sprite"],
      ["[service]", "the service's name"],
      ["[command...]", "add: the program and its arguments, after --"],
    ],
    flags: {
      dir: valueFlag("--dir <dir>", "working directory (default: the home)"),
      user: valueFlag("--user <user>", "run as this user (default: the Sprite's; another needs an image that runs as root)"),
      env: repeatedFlag("--env <KEY=VALUE>", "an environment variable (repeatable)"),
      port: valueFlag("--port <port>", "the TCP port it serves: it counts as running once the port accepts"),
      after: repeatedFlag("--after <service>", "start it once this service runs (repeatable)"),
      grace: valueFlag("--grace <seconds>", "seconds between its stop signal and SIGKILL (default 30)"),
      stopSignal: valueFlag("--stop-signal <signal>", "the signal that stops it (default TERM; PostgreSQL: INT)"),
    },
    examples: [
      "puck service add dev web --port 8000 -- python3 -m http.server 8000",
      "puck service add dev db --user postgres --stop-signal INT -- /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main",
      "puck service list dev",
      "puck service stop dev web     # stays stopped across wakes until started",
    ],
    notes: "Inside the Sprite, a file ~/.puck/services.d/NAME declares one too (docs/using.md, Services); spec.services wins a name both use.",
    load: async () => (await import("./commands/service.js")).service,
  }),
  command({
    name: "logs",
    description: "print a Sprite's services' output (kept on its volume, 2 MiB a service)",
    arguments: [SPRITE, ["[service]", "one service (default: all)"]],
    flags: {
      follow: switchFlag("-f, --follow", "keep printing output as it is written"),
      tail: valueFlag("--tail <lines>", "lines to print from the end (default 100, or all with --since)"),
      since: valueFlag("--since <duration>", "only output written in the last 5s, 10m, 2h… (to 10 s)"),
      timeout: WAIT_TIMEOUT,
    },
    examples: ["puck logs dev web", "puck logs dev web -f", "puck logs dev --tail 20", "puck logs dev web --since 10m"],
    completes: "sprite",
    load: async () => (await import("./commands/logs.js")).logs,
  }),
  command({
    name: "completion",
    description: "print a shell completion script",
    arguments: [["<shell>", "bash, zsh or fish"]],
    flags: {},
    examples: ["source <(puck completion bash)", "puck completion fish > ~/.config/fish/completions/puck.fish"],
    completes: "shell",
    // Completion is made from this table, handed over rather than imported: no import circle.
    load: async () => (await import("./commands/completion.js")).completion(COMMANDS),
  }),
];
