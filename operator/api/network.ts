// The network part of the agent's report, in words: the operator's message and `puck describe` say it alike.
import { isIPv4, isIPv6 } from "node:net";
import { formatBytes } from "./disk.js";
import type { NetworkActivity, NetworkAllow, SpriteSpec } from "./sprite-schema.js";

/** "3.2M in the last 5 min" (the window rounded to minutes, or seconds while shorter than one). */
export function networkSummary(n: NetworkActivity): string {
  const seconds = n.windowSeconds ?? 0;
  const window = seconds >= 60 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
  return `${formatBytes(n.bytes ?? 0)} in the last ${window}`;
}

/** The private address ranges a Sprite does not reach unless its spec.network.allow names them. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"] as const;

/** One entry of spec.network.allow in words: "192.168.1.0/24 (TCP 22, 443)", "Service media/jellyfin". */
export function allowWords(allow: NetworkAllow, namespace: string): string {
  if (allow.service !== undefined) return `Service ${serviceKey(allow.service, namespace)}`;
  if (allow.sprite !== undefined) return `Sprite ${serviceKey(allow.sprite, namespace)}`;
  const ports = allow.ports?.length ? ` (TCP ${allow.ports.join(", ")})` : "";
  return `${allow.cidr ?? "?"}${ports}`;
}

/** What a Sprite may reach, as `puck describe` says it: the fixed part, then its own allowances. */
export function reachWords(spec: Pick<SpriteSpec, "network">, namespace: string): string[] {
  const always = "DNS, the Kubernetes API server, the internet (not the cluster's pods, Services or nodes, nor private ranges)";
  const extra = (spec.network?.allow ?? []).map((a) => allowWords(a, namespace));
  return [always, ...extra];
}

/** NAMESPACE/NAME of a Service or Sprite that an allowance names (NAME alone: the Sprite's own namespace). */
export const serviceKey = (service: string, namespace: string): string => (service.includes("/") ? service : `${namespace}/${service}`);

/** NAMESPACE/NAME of the other Sprites this Sprite's spec.network.allow names. */
export const allowedSprites = (spec: Pick<SpriteSpec, "network">, namespace: string): string[] =>
  (spec.network?.allow ?? []).flatMap((a) => (a.sprite !== undefined ? [serviceKey(a.sprite, namespace)] : []));

/** The cidr is a valid IPv4 or IPv6 range (the CRD's pattern checks only its shape). */
export function validCidr(cidr: string): boolean {
  const [net, bits, rest] = cidr.split("/");
  if (rest !== undefined || net === undefined || bits === undefined || !/^[0-9]{1,3}$/.test(bits)) return false;
  const max = isIPv4(net) ? 32 : isIPv6(net) ? 128 : -1;
  return max >= 0 && Number(bits) <= max;
}
