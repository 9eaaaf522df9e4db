// What `puck ssh-config` prints: OpenSSH client config blocks for Sprites behind the gateway, and the
// gateway's known_hosts line. Pure: the gateway's address and key are looked up elsewhere.
import { userForSprite, type SpriteRef } from "../sprite-client/sprite-ref.js";

/** How ssh reaches the gateway: its LoadBalancer address, or `puck ssh-proxy` through the API server. */
export type GatewayRoute = { kind: "direct"; host: string; port: number } | { kind: "proxy"; command: string };

/** `dev.puck` for Sprite dev in the default namespace, `dev.team.puck` in namespace team. */
export const hostAlias = (ref: SpriteRef) => `${userForSprite(ref)}.puck`;

/**
 * The name the gateway's key is kept under in known_hosts, whatever address reaches it (LoadBalancer
 * or proxy): one line serves every route, and each cluster's gateway has its own name.
 */
export const hostKeyAlias = (apiServer: string) => `puck-gateway.${new URL(apiServer).hostname.replace(/^\[|\]$/g, "")}`;

/** Quotes a word for the shell OpenSSH runs a ProxyCommand with. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** `puck ssh-proxy`, with the kubeconfig and context this run used, so the block works from any shell. */
export function proxyCommand(puck: string, selection: { kubeconfig?: string; context?: string }): string {
  const words = [puck, "ssh-proxy"];
  if (selection.kubeconfig) words.push("--kubeconfig", selection.kubeconfig);
  if (selection.context) words.push("--context", selection.context);
  return words.map(shellWord).join(" ");
}

export function renderSshConfig(sprites: readonly SpriteRef[], route: GatewayRoute, keyAlias: string): string {
  const via = route.kind === "direct" ? [`  HostName ${route.host}`, `  Port ${route.port}`] : [`  ProxyCommand ${route.command}`];
  return sprites
    .map((ref) =>
      [
        `# Sprite ${ref.name} in namespace ${ref.namespace}, through the Puck gateway`,
        `Host ${hostAlias(ref)}`,
        ...via,
        `  User ${userForSprite(ref)}`,
        `  HostKeyAlias ${keyAlias}`,
        "",
      ].join("\n"),
    )
    .join("\n");
}

/** The known_hosts line (and its fingerprint, as a comment) for the gateway's host key. */
export const renderKnownHosts = (keyAlias: string, publicKey: string, fingerprint: string) =>
  `# Puck gateway host key ${fingerprint}\n${keyAlias} ${publicKey}\n`;
