// `--allow TARGET` and `puck network`: what a Sprite may reach beyond its default (spec.network.allow),
// parsed from the command line and changed as a list. Pure: the command does the I/O.
import { MAX_NETWORK_ALLOWS, NETWORK_TARGET_PATTERN, allowWords, validCidr, type NetworkAllow } from "../operator/api/index.js";

export const ALLOW_HINT =
  "give a range (192.168.1.0/24, with :PORT,PORT for only those TCP ports), a Service (service/NAME or service/NAMESPACE/NAME) or a Sprite (sprite/NAME or sprite/NAMESPACE/NAME)";

const TARGET = new RegExp(NETWORK_TARGET_PATTERN);
const RANGE = /^(.+\/[0-9]{1,3})(?::([0-9]+(?:,[0-9]+)*))?$/;

/** 192.168.1.0/24, 192.168.1.20/32:22,443, service/db, svc/media/jellyfin, sprite/dev; undefined when it is none. */
export function parseAllowTarget(text: string): NetworkAllow | undefined {
  const named = /^(service|svc|sprite|sp)\/(.+)$/.exec(text);
  if (named) {
    const [, kind, name] = named as unknown as [string, string, string];
    if (!TARGET.test(name) || name.length > 127) return undefined;
    return kind === "sprite" || kind === "sp" ? { sprite: name } : { service: name };
  }
  const range = RANGE.exec(text);
  if (!range || !validCidr(range[1]!)) return undefined;
  const ports = range[2]?.split(",").map(Number);
  if (ports?.some((p) => p < 1 || p > 65535) || (ports?.length ?? 0) > 16) return undefined;
  return { cidr: range[1]!, ...(ports ? { ports } : {}) };
}

const sameTarget = (a: NetworkAllow, b: NetworkAllow, namespace: string) =>
  allowWords({ ...a, ports: [] }, namespace) === allowWords({ ...b, ports: [] }, namespace);

/** The list with `add` in place of any entry for the same range or Service, or without `remove`'s. */
export function changeAllows(list: readonly NetworkAllow[], change: { add: NetworkAllow } | { remove: NetworkAllow }, namespace: string): NetworkAllow[] {
  if ("remove" in change) return list.filter((a) => !sameTarget(a, change.remove, namespace));
  const next = [...list.filter((a) => !sameTarget(a, change.add, namespace)), change.add];
  if (next.length > MAX_NETWORK_ALLOWS) throw new RangeError(`a Sprite may name at most ${MAX_NETWORK_ALLOWS} allowances`);
  return next;
}
