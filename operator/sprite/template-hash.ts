// Hashes of a Sprite's pod template — the user's part and the whole — and a scheduled restart, kept as
// StatefulSet annotations. Pure.
import { createHash } from "node:crypto";
import { GROUP, type SpriteSpec } from "../api/index.js";
import type { TemplateHashes } from "./rollout.js";

export const TEMPLATE_HASH_ANNOTATIONS = {
  user: `${GROUP}/user-template-hash`,
  template: `${GROUP}/template-hash`,
} as const;

/**
 * When the warned restart for the user's change is due. The operator's own record, on its own
 * object: status.restartsAt (which the agent and the CLI read) would be lost by an API server whose
 * CRD does not know the field yet, and a schedule that moves on every reconcile never comes.
 * Empty once applied: ensure() merges annotations and never removes one.
 */
export const RESTARTS_AT_ANNOTATION = `${GROUP}/restarts-at`;

export function scheduledRestart(annotations: Record<string, string> | undefined): Date | undefined {
  const t = Date.parse(annotations?.[RESTARTS_AT_ANNOTATION] ?? "");
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

const hash = (value: unknown) => createHash("sha256").update(canonical(value)).digest("hex").slice(0, 16);

/**
 * The fields of a Sprite's spec that shape its pod: a change to them is one the user asked for.
 * Keep in step with desiredStatefulSet (operator/sprite/desired-objects.ts): a spec field it puts into the
 * template belongs here, or a user's change to it would wait like one Puck made.
 */
export const userTemplateInputs = (spec: SpriteSpec) => ({
  image: spec.image,
  resources: spec.resources ?? null,
  // What persists shapes the mounts; absent (a machine) adds nothing, so Sprites made before the field hash as before.
  persist: spec.persist,
  // Placement, as desiredStatefulSet writes it (empty is absent); absent adds nothing to the hash.
  nodeSelector: spec.nodeSelector && Object.keys(spec.nodeSelector).length > 0 ? spec.nodeSelector : undefined,
  tolerations: spec.tolerations && spec.tolerations.length > 0 ? spec.tolerations : undefined,
});

export function templateHashes(spec: SpriteSpec, template: unknown): TemplateHashes {
  return { user: hash(userTemplateInputs(spec)), template: hash(template) };
}

/** The hashes a live StatefulSet carries (absent on one made by an older operator). */
export function liveHashes(annotations: Record<string, string> | undefined): Partial<TemplateHashes> {
  const user = annotations?.[TEMPLATE_HASH_ANNOTATIONS.user];
  const template = annotations?.[TEMPLATE_HASH_ANNOTATIONS.template];
  return { ...(user ? { user } : {}), ...(template ? { template } : {}) };
}

export const hashAnnotations = (hashes: TemplateHashes): Record<string, string> => ({
  [TEMPLATE_HASH_ANNOTATIONS.user]: hashes.user,
  [TEMPLATE_HASH_ANNOTATIONS.template]: hashes.template,
});
