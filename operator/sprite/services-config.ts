// spec.services as the supervisor reads them: one sh declaration per service in a ConfigMap that the
// main container mounts (the kubelet updates it in place: a change never touches the pod). Pure.
import { DEFAULT_SERVICE_GRACE_SECONDS, type SpriteService } from "../api/index.js";
import { deepEqual } from "../runtime/compare.js";
import type { Copier } from "../runtime/ensure.js";

/** The ConfigMap's name; its volume is optional, so a Sprite without services needs none. */
export const servicesConfigMapName = (sprite: string) => `${sprite}-services`;
export const SERVICES_VOLUME = "services";

/** A word as sh reads it back unchanged: single-quoted, a quote inside closed, escaped and reopened. */
export const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * One service as the supervisor's declaration format (docs/using.md, "Services"): sh assignments that the
 * supervisor sources in a subshell. The argv becomes one command line of quoted words, so no word is
 * split or expanded again; the environment becomes exports, seen by the program only.
 */
export function serviceDeclaration(service: SpriteService): string {
  const lines = [
    `command=${shellQuote(["exec", ...service.command].map(shellQuote).join(" "))}`,
    ...(service.dir ? [`dir=${shellQuote(service.dir)}`] : []),
    ...(service.user ? [`user=${shellQuote(service.user)}`] : []),
    ...(service.port ? [`port=${service.port}`] : []),
    ...(service.after?.length ? [`after=${shellQuote(service.after.join(" "))}`] : []),
    `grace=${service.gracePeriodSeconds ?? DEFAULT_SERVICE_GRACE_SECONDS}`,
    ...(service.stopSignal ? [`stopsignal=${service.stopSignal}`] : []),
    ...(service.stopped ? ["stopped=yes"] : []),
    // Not read by the supervisor: a new value changes the declaration, which restarts the service.
    ...(service.restartedAt ? [`restarted=${shellQuote(service.restartedAt)}`] : []),
    ...(service.env ?? []).map((e) => `export ${e.name}=${shellQuote(e.value ?? "")}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Keys sort in the spec's order (the supervisor reads them by name): 01-web, 02-db... */
export const declarationKey = (index: number, name: string) => `${String(index + 1).padStart(2, "0")}-${name}`;

/** The ConfigMap's data: a declaration per service, keyed in the spec's order. */
export function servicesData(services: readonly SpriteService[] = []): Record<string, string> {
  return Object.fromEntries(services.map((service, i) => [declarationKey(i, service.name), serviceDeclaration(service)]));
}

/** The main container's view of it: read-only, and optional so that the pod never waits for it. */
export function servicesVolume(sprite: string) {
  return { name: SERVICES_VOLUME, configMap: { name: servicesConfigMapName(sprite), optional: true } };
}

export const servicesMount = (mountPath: string) => ({ name: SERVICES_VOLUME, mountPath, readOnly: true });

/** The ConfigMap's data whole: a removed service's key goes too (ensure()'s usual subset would keep it). */
export const replaceData: Copier = {
  difference: (desired, current) => (deepEqual(desired.data ?? {}, current.data ?? {}) ? undefined : "data"),
  update: (desired, current) => ({ ...current, data: desired.data }),
};
