// `puck port-forward`'s [LOCAL:]REMOTE arguments: parsed and checked in one place, every bad value
// named at once.
import { EXIT, PuckError } from "./errors.js";

export interface ForwardSpec {
  /** 0: any free port, chosen when listening. */
  local: number;
  remote: number;
}

const PORT = /^\d{1,5}$/;

const port = (text: string, min: number): number | undefined => {
  if (!PORT.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= 65535 ? value : undefined;
};

/** `8080` (the same port here), `9000:80`, `:80` or `0:80` (any free port here). */
export function parseForwardSpecs(args: readonly string[]): ForwardSpec[] {
  const specs: ForwardSpec[] = [];
  const problems: string[] = [];
  for (const arg of args) {
    const parts = arg.split(":");
    const [localText, remoteText] = parts.length === 1 ? [parts[0]!, parts[0]!] : parts.length === 2 ? [parts[0] || "0", parts[1]!] : ["", ""];
    const local = port(localText, 0);
    const remote = port(remoteText, 1);
    if (local === undefined || remote === undefined) problems.push(`"${arg}"`);
    else specs.push({ local, remote });
  }
  if (problems.length > 0) {
    throw new PuckError(
      `${problems.join(", ")} ${problems.length === 1 ? "is not a port forward" : "are not port forwards"}`,
      "use [LOCAL:]REMOTE with ports from 1 to 65535, e.g. 8080, 9000:80, or :80 for any free local port",
      EXIT.usage,
    );
  }
  const seen = new Set<number>();
  const twice = specs.filter((s) => s.local !== 0 && (seen.has(s.local) || !seen.add(s.local))).map((s) => s.local);
  if (twice.length > 0) {
    throw new PuckError(`local port ${[...new Set(twice)].join(", ")} is given more than once`, "give each forward its own local port", EXIT.usage);
  }
  return specs;
}
