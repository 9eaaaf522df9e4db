// The services as the Sprite's supervisor last wrote them (operator/sprite/services-script.ts): its state
// files, read through the home mount the agent already has (read-only). Parsing is pure.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SERVICE_STATES, type ServiceState, type ServiceStatus } from "../operator/api/index.js";

/** Where the supervisor writes its state, under the home. */
export const SERVICES_RUN_DIR = ".puck/run";

const fields = (text: string) =>
  new Map(text.split("\n").flatMap((line) => (line.includes("=") ? [[line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const] : [])));

const count = (text: string | undefined) => (text !== undefined && /^[0-9]+$/.test(text) ? Number(text) : undefined);

/** One NAME.state file as the status says it; a backoff between restarts is `starting`. Undefined if unreadable. */
export function parseServiceState(name: string, text: string, lastOutput?: string): ServiceStatus | undefined {
  const f = fields(text);
  const raw = f.get("state");
  const state: ServiceState | undefined = raw === "backoff" ? "starting" : SERVICE_STATES.find((s) => s === raw);
  if (!state) return undefined;
  const since = count(f.get("since"));
  const restarts = count(f.get("restarts"));
  const lastExit = count(f.get("lastExit"));
  const source = f.get("source");
  const message = f.get("message");
  return {
    name,
    state,
    ...(source === "spec" || source === "sprite" ? { source } : {}),
    ...(restarts !== undefined ? { restarts } : {}),
    ...(lastExit !== undefined ? { lastExit } : {}),
    ...(since !== undefined ? { since: new Date(since * 1000).toISOString().replace(".000Z", "Z") } : {}),
    ...(message ? { message: message.slice(0, 1024) } : {}),
    ...(state === "failed" && lastOutput ? { lastOutput: lastOutput.slice(-4096) } : {}),
  };
}

/** Every service's state, by name; [] when the supervisor wrote none (or the folder is unreadable). */
export function readServices(homeDir: string): ServiceStatus[] {
  const dir = join(homeDir, SERVICES_RUN_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".state")).map((n) => n.slice(0, -".state".length));
  } catch {
    return [];
  }
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), "utf8");
    } catch {
      return undefined;
    }
  };
  return names
    .sort()
    .flatMap((name) => {
      const text = read(`${name}.state`);
      const parsed = text === undefined ? undefined : parseServiceState(name, text, read(`${name}.last`));
      return parsed ? [parsed] : [];
    })
    .slice(0, 32);
}
