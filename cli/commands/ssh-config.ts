// `puck ssh-config [NAME...]`: the ~/.ssh/config blocks that make `ssh dev.puck`, scp, rsync and
// editors reach Sprites through the gateway; `--known-hosts` prints the gateway's known_hosts line.
import { resolve } from "node:path";
import type { SpriteRef } from "../../sprite-client/sprite-ref.js";
import type { Sprite } from "../../operator/api/index.js";
import { EXIT, PuckError } from "../errors.js";
import { fetchHostKey, gatewayAddress, getGatewayService, GATEWAY_NAMESPACE } from "../gateway.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { hostKeyAlias, proxyCommand, renderKnownHosts, renderSshConfig, type GatewayRoute } from "../ssh-config-render.js";
import { getSprite, listSprites, type Target } from "../sprites.js";
import { openTarget, selectionOf, type TargetOptions } from "../target.js";

export type SshConfigOptions = TargetOptions & { proxy?: boolean | undefined; knownHosts?: boolean | undefined };

/** The Sprites named (each must exist), else every Sprite of the namespace, or of all with -A. */
async function spritesFor(target: Target, names: readonly string[]): Promise<Sprite[]> {
  if (names.length === 0) return (await listSprites(target)).items;
  return Promise.all(names.map((name) => getSprite(target, name)));
}

const refOf = (target: Target) => (s: Sprite): SpriteRef => ({ namespace: s.metadata.namespace ?? target.namespace, name: s.metadata.name });

async function routeFor(target: Target, options: SshConfigOptions): Promise<GatewayRoute> {
  if (options.proxy === true) {
    // Pinned to this cluster: ssh runs the command later, from any directory, maybe after the
    // current context changed.
    const { kubeconfig, context = target.client.access.context } = selectionOf(options);
    const pinned: { kubeconfig?: string; context?: string } = {};
    if (kubeconfig) pinned.kubeconfig = resolve(kubeconfig);
    if (context) pinned.context = context;
    return { kind: "proxy", command: proxyCommand("puck", pinned) };
  }
  const address = gatewayAddress(await getGatewayService(target));
  if (!address) {
    throw new PuckError(
      `the gateway's Service ${GATEWAY_NAMESPACE}/puck-gateway has no LoadBalancer address`,
      "use --proxy to reach it through the Kubernetes API instead (`puck ssh-proxy`), or give the cluster a load balancer (k3s: ServiceLB)",
    );
  }
  return { kind: "direct", ...address };
}

export async function sshConfig(names: string[], options: SshConfigOptions, io: Io): Promise<number> {
  if (options.knownHosts === true && (names.length > 0 || options.proxy === true || options.allNamespaces === true)) {
    throw new PuckError("--known-hosts prints the gateway's key alone: it takes no Sprite names, --proxy or -A", "run `puck ssh-config --known-hosts` by itself", EXIT.usage);
  }
  const out = createOutput(io);
  const target = await openTarget(options, io);
  const keyAlias = hostKeyAlias(target.client.access.server);
  if (options.knownHosts === true) {
    const key = await fetchHostKey(target);
    out.text(renderKnownHosts(keyAlias, key.publicKey, key.fingerprint));
    return 0;
  }
  const [sprites, route] = await Promise.all([spritesFor(target, names), routeFor(target, options)]);
  if (sprites.length === 0) {
    throw new PuckError(`no Sprites in ${target.allNamespaces ? "any namespace" : `namespace ${target.namespace}`}`, "create one with `puck create NAME`, or name another namespace with -n");
  }
  // Said on stderr, so that stdout stays the config: a block for such a Sprite lets nobody in yet.
  for (const sprite of sprites.filter((s) => (s.spec.authorizedKeys ?? []).length === 0)) {
    const ref = refOf(target)(sprite);
    out.warn(`Sprite ${ref.name} in namespace ${ref.namespace} authorizes no SSH key: the gateway lets nobody in until its spec.authorizedKeys lists one`);
  }
  out.text(renderSshConfig(sprites.map(refOf(target)), route, keyAlias));
  return 0;
}
