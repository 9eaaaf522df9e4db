// The SpriteTokens `puck open` and `puck url --token` make, list and revoke: each owned by its Sprite
// (deleted with it), labelled with its name, holding only the SHA-256 of the secret handed out.
import { resourcePath } from "../kube/paths.js";
import {
  API_VERSION,
  CODE_TTL_SECONDS,
  LABELS,
  SPRITE_TOKENS,
  TOKEN_KIND,
  newCredential,
  type Sprite,
  type SpriteToken,
  type TokenPurpose,
} from "../operator/api/index.js";
import { PuckError, toPuckError } from "./errors.js";
import type { Target } from "./sprites.js";

const context = (t: Target, action: string, verb: string) => ({ action, verb, resource: "spritetokens", namespace: t.namespace, server: t.client.access.server });

async function call<T>(t: Target, action: string, verb: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toPuckError(error, context(t, action, verb));
  }
}

export interface NewToken {
  purpose: TokenPurpose;
  port: number;
  ttlSeconds: number;
  description: string;
}

/** Makes a SpriteToken for the Sprite; resolves with its name and the credential to hand out (shown once). */
export async function createToken(t: Target, sprite: Sprite, want: NewToken, now: Date): Promise<{ name: string; credential: string; expiresAt: string }> {
  const made = newCredential(want.purpose);
  const expiresAt = new Date(now.getTime() + want.ttlSeconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const token: SpriteToken = {
    apiVersion: API_VERSION,
    kind: TOKEN_KIND,
    metadata: {
      name: made.name,
      namespace: t.namespace,
      labels: { [LABELS.sprite]: sprite.metadata.name },
      // Deleted with its Sprite: a token for a Sprite made again later under the same name is not valid.
      ownerReferences: [{ apiVersion: API_VERSION, kind: sprite.kind, name: sprite.metadata.name, uid: sprite.metadata.uid! }],
    },
    spec: { sprite: sprite.metadata.name, port: want.port, purpose: want.purpose, sha256: made.sha256, expiresAt, description: want.description },
  };
  await call(t, `create a SpriteToken for Sprite ${sprite.metadata.name}`, "create", () =>
    t.client.request("POST", resourcePath(SPRITE_TOKENS, { namespace: t.namespace }), { body: token }),
  );
  return { name: made.name, credential: made.credential, expiresAt };
}

export async function listTokens(t: Target, sprite: string): Promise<SpriteToken[]> {
  const list = await call(t, `list the SpriteTokens of Sprite ${sprite}`, "list", () =>
    t.client.request<{ items: SpriteToken[] }>("GET", resourcePath(SPRITE_TOKENS, { namespace: t.namespace }), { query: { labelSelector: `${LABELS.sprite}=${sprite}` } }),
  );
  return list.items.filter((x) => x.spec.sprite === sprite).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** Revokes a token: deleting it is all it takes, the gateway reads it at every request. */
export async function deleteToken(t: Target, sprite: string, name: string): Promise<void> {
  const tokens = await listTokens(t, sprite);
  if (!tokens.some((x) => x.metadata.name === name)) {
    throw new PuckError(`Sprite ${sprite} has no token ${name}`, `list them: puck url ${sprite} --tokens`);
  }
  await call(t, `delete SpriteToken ${name}`, "delete", () => t.client.request("DELETE", resourcePath(SPRITE_TOKENS, { namespace: t.namespace, name })));
}

/**
 * Deletes the Sprite's expired codes and tokens (codes nobody used, tokens past their time): done
 * when a new one is made, so they do not pile up. Best effort: a failure here changes nothing else.
 */
export async function sweepExpired(t: Target, sprite: string, now: Date): Promise<void> {
  try {
    for (const token of await listTokens(t, sprite)) {
      if (Date.parse(token.spec.expiresAt) <= now.getTime()) {
        await t.client.request("DELETE", resourcePath(SPRITE_TOKENS, { namespace: t.namespace, name: token.metadata.name })).catch(() => undefined);
      }
    }
  } catch {
    // No right to list them (create only): the gateway refuses them anyway.
  }
}

export { CODE_TTL_SECONDS };
