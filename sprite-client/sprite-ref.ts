// A Sprite's reference (its namespace and name), and the SSH user name that names it — the gateway reads
// it, `puck ssh-config` writes it: `dev` is Sprite dev in the default namespace, `dev.team` is Sprite dev
// in namespace team. Sprite names and namespaces hold no dots, so the split is exact.
import { SPRITE_NAME_MAX_LENGTH, SPRITE_NAME_PATTERN } from "../operator/api/index.js";

/** One Sprite: how every call in sprite-client/ names the Sprite it is about. */
export interface SpriteRef {
  namespace: string;
  name: string;
}

const SPRITE_NAME = new RegExp(SPRITE_NAME_PATTERN);
/** A namespace is a DNS-1123 label. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The Sprite a user name names, or undefined when it cannot name one (refused like any unknown Sprite). */
export function spriteForUser(user: string, defaultNamespace = "default"): SpriteRef | undefined {
  const parts = user.split(".");
  if (parts.length > 2) return undefined;
  const [name = "", namespace = defaultNamespace] = parts;
  if (name.length > SPRITE_NAME_MAX_LENGTH || !SPRITE_NAME.test(name)) return undefined;
  if (namespace.length > 63 || !NAMESPACE.test(namespace)) return undefined;
  return { namespace, name };
}

/** The user name that reaches a Sprite: the inverse of spriteForUser. */
export const userForSprite = ({ namespace, name }: SpriteRef, defaultNamespace = "default"): string =>
  namespace === defaultNamespace ? name : `${name}.${namespace}`;
