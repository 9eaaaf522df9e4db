// The operator's command line, parsed into its configuration in one place.
import { Command, InvalidArgumentError, Option } from "commander";
import { parseBindAddress } from "./runtime/http-server.js";
import { isLogLevel, type LogLevel } from "./runtime/logger.js";
import { urlDomainProblem, type UrlScheme, type UrlSettings } from "./api/index.js";

export interface OperatorFlags {
  kubeconfig?: string;
  namespace?: string;
  agentImage: string;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  leaderElect: boolean;
  leaderElectionNamespace?: string;
  activityStaleAfterMs: number;
  logLevel: LogLevel;
  /** Hidden, for tests: multiplies idle timeouts so a minute can last seconds. */
  idleTimeoutScale: number;
  workers: number;
  /** Where Sprite URLs live (--url-domain, --url-scheme); unset: no URLs, and status.http says so. */
  urls?: UrlSettings;
}

/** Durations such as 150s, 2m, 500ms, 1h. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`"${text}" is not a duration: use a number with ms, s, m or h, such as 150s.`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

const parseBool = (text: string): boolean => {
  if (text === "true") return true;
  if (text === "false") return false;
  throw new InvalidArgumentError(`"${text}" is not true or false.`);
};

const parsePositive = (text: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${text}" is not a positive number.`);
  return n;
};

const parseLevel = (text: string): LogLevel => {
  if (!isLogLevel(text)) throw new InvalidArgumentError(`"${text}" is not a log level: use debug, info, warn or error.`);
  return text;
};

const parseDomain = (text: string): string => {
  const problem = text === "" ? undefined : urlDomainProblem(text);
  if (problem) throw new InvalidArgumentError(`${problem}.`);
  return text;
};

const parseScheme = (text: string): UrlScheme => {
  if (text !== "http" && text !== "https") throw new InvalidArgumentError(`"${text}" is not a URL scheme: use http or https (https when the Ingress has a TLS certificate).`);
  return text;
};

/** Parses argv (without node and script); throws commander errors with a one-line message. */
export function parseFlags(argv: string[]): OperatorFlags {
  const program = new Command("puck-operator")
    .exitOverride()
    // Errors are printed once, by main, as one line; help goes to stdout as usual.
    .configureOutput({ writeErr: () => {} })
    .option("--kubeconfig <path>", "kubeconfig to use; in-cluster config when unset")
    .option("--namespace <ns>", "watch only this namespace (default: all)")
    .option("--agent-image <image>", "image of the activity agent sidecar", "puck-agent:dev")
    .option("--metrics-bind-address <addr>", "where /metrics listens", ":8080")
    .option("--health-probe-bind-address <addr>", "where /healthz and /readyz listen", ":8081")
    .option("--leader-elect <bool>", "elect a leader with a Lease so replicas are safe", parseBool, true)
    .option("--leader-election-namespace <ns>", "namespace of the Lease (default: the operator's own)")
    .addOption(
      new Option("--activity-stale-after <duration>", "agent reports older than this are not evidence")
        .argParser(parseDuration)
        .default(150_000, "150s"),
    )
    .option("--log-level <level>", "debug, info, warn or error", parseLevel, "info" as LogLevel)
    .option("--workers <n>", "concurrent reconciles", parsePositive, 4)
    .option("--url-domain <domain>", "domain of Sprite URLs (PORT-NAME.DOMAIN); empty: no URLs", parseDomain, "")
    .option("--url-scheme <scheme>", "scheme of Sprite URLs: https when the Ingress has a TLS certificate", parseScheme, "http" as UrlScheme)
    .addOption(new Option("--idle-timeout-scale <factor>").argParser(parsePositive).default(1).hideHelp());
  program.parse(argv, { from: "user" });
  // The options as commander holds them: the flags, with the stale-after duration under its flag's name.
  const o = program.opts<Omit<OperatorFlags, "activityStaleAfterMs" | "urls"> & { activityStaleAfter: number; urlDomain: string; urlScheme: UrlScheme }>();
  parseBindAddress(o.metricsBindAddress);
  parseBindAddress(o.healthProbeBindAddress);
  return {
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.namespace ? { namespace: o.namespace } : {}),
    agentImage: o.agentImage,
    metricsBindAddress: o.metricsBindAddress,
    healthProbeBindAddress: o.healthProbeBindAddress,
    leaderElect: o.leaderElect,
    ...(o.leaderElectionNamespace ? { leaderElectionNamespace: o.leaderElectionNamespace } : {}),
    activityStaleAfterMs: o.activityStaleAfter,
    logLevel: o.logLevel,
    idleTimeoutScale: o.idleTimeoutScale,
    workers: Math.floor(o.workers),
    ...(o.urlDomain ? { urls: { domain: o.urlDomain, scheme: o.urlScheme } } : {}),
  };
}
