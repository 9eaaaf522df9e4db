// The HTTP layer's UrlBackend on the cluster, with the gateway's own service account: the Sprite
// read (briefly cached: a page's dozens of requests read it once), the shared wake and session-end
// explanation (kube-backend.ts), port-forward connections, SpriteTokens and the status write of the
// last request.
import type { Duplex } from "node:stream";
import type { KubeClient } from "../../kube/client.js";
import { isStatus } from "../../kube/errors.js";
import type { Logger } from "../../kube/logger.js";
import { resourcePath } from "../../kube/paths.js";
import { PortForwardRefused } from "../../kube/port-forward.js";
import { SPRITES, wakeVerdict, type Sprite, type SessionEnd } from "../../operator/api/index.js";
import { SPRITE_TOKENS, type SpriteToken } from "../../operator/api/access-token.js";
import type { HttpRequest } from "../../operator/api/sprite-schema.js";
import type { SpriteRef } from "../../sprite-client/sprite-ref.js";
import { findSprite } from "../../sprite-client/sprites.js";
import { KubeBackend, openSpritePort } from "../kube-backend.js";
import { TrailingThrottle } from "./trailing-throttle.js";
import type { UrlBackend, UrlSprite } from "./url-backend.js";

/** How long a Sprite read serves later requests. */
const SPRITE_CACHE_MS = 1000;
/** A probe that the kubelet has not refused within this long found something listening. */
const PROBE_MS = 500;
/** status.lastHTTPRequest is written at most this often per Sprite. */
const RECORD_INTERVAL_MS = 5000;

/** What the HTTP layer reads of a Sprite. */
export function urlSprite(sprite: Sprite): UrlSprite {
  const status = sprite.status ?? {};
  const verdict = wakeVerdict(sprite, 0);
  const asleep = status.phase === "Hibernating" || status.phase === undefined;
  const woke = Date.parse(status.wokeAt ?? "");
  return {
    uid: sprite.metadata.uid ?? "",
    http: sprite.spec.http ?? [],
    servicePorts: (sprite.spec.services ?? []).flatMap((s) => (s.port !== undefined && !s.stopped ? [s.port] : [])),
    state: verdict.state === "ready" ? "awake" : asleep ? "asleep" : "waking",
    ...(Number.isNaN(woke) ? {} : { wokeAtMs: woke }),
  };
}

export class KubeUrlBackend implements UrlBackend {
  private readonly spriteBackend: KubeBackend;
  private readonly cache = new Map<string, { atMs: number; read: Promise<UrlSprite | undefined> }>();
  private readonly records: TrailingThrottle<HttpRequest>;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    options: { wakeTimeoutMs?: number } = {},
  ) {
    this.spriteBackend = new KubeBackend(client, options);
    this.records = new TrailingThrottle(RECORD_INTERVAL_MS, (key, request) => void this.writeRecord(key, request));
  }

  sprite(ref: SpriteRef): Promise<UrlSprite | undefined> {
    const key = `${ref.namespace}/${ref.name}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.atMs < SPRITE_CACHE_MS) return cached.read;
    const read = findSprite(this.client, ref).then(
      (sprite) => (sprite ? urlSprite(sprite) : undefined),
      (error: unknown) => {
        this.cache.delete(key);
        // A namespace the gateway may not read holds no Sprite it can serve.
        if (isStatus(error, 403)) return undefined;
        throw error;
      },
    );
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(key, { atMs: Date.now(), read });
    return read;
  }

  async wake(ref: SpriteRef, progress: (step: string) => void, signal: AbortSignal): Promise<void> {
    await this.spriteBackend.wake(ref, progress, signal);
    // The next read must see it awake, not the cached hibernation.
    this.cache.delete(`${ref.namespace}/${ref.name}`);
  }

  connect(ref: SpriteRef, port: number): Promise<Duplex> {
    return openSpritePort(this.client, ref, port);
  }

  async accepts(ref: SpriteRef, port: number, signal: AbortSignal): Promise<boolean> {
    // The kubelet connects to the port as the forward opens, and says at once when it cannot:
    // silence means a connection. The probe closes without a byte, which servers shrug off.
    const stream = await openSpritePort(this.client, ref, port).catch(() => undefined);
    if (!stream) return false;
    return new Promise((resolve) => {
      const done = (accepted: boolean) => {
        clearTimeout(timer);
        stream.destroy();
        resolve(accepted);
      };
      const timer = setTimeout(() => done(true), PROBE_MS);
      stream.on("error", () => done(false));
      stream.on("end", () => done(false));
      signal.addEventListener("abort", () => done(false), { once: true });
    });
  }

  isRefusal(error: unknown): boolean {
    return error instanceof PortForwardRefused;
  }

  async token(namespace: string, name: string): Promise<SpriteToken | undefined> {
    try {
      return await this.client.request<SpriteToken>("GET", resourcePath(SPRITE_TOKENS, { namespace, name }));
    } catch (error) {
      if (isStatus(error, 404) || isStatus(error, 403)) return undefined;
      throw error;
    }
  }

  async consumeCode(token: SpriteToken): Promise<boolean> {
    const { namespace, name, uid, resourceVersion } = token.metadata;
    try {
      await this.client.request("DELETE", resourcePath(SPRITE_TOKENS, { namespace, name }), {
        body: { apiVersion: "v1", kind: "DeleteOptions", preconditions: { uid, resourceVersion } },
      });
      return true;
    } catch (error) {
      // Gone (another replica used it) or changed since read: either way not this request's.
      if (isStatus(error, 404) || isStatus(error, 409)) return false;
      throw error;
    }
  }

  recordRequest(ref: SpriteRef, request: HttpRequest): void {
    this.records.offer(`${ref.namespace}/${ref.name}`, request);
  }

  private async writeRecord(key: string, request: HttpRequest): Promise<void> {
    const [namespace, name] = key.split("/") as [string, string];
    try {
      await this.client.request("PATCH", resourcePath(SPRITES, { namespace, name, subresource: "status" }), {
        body: { status: { lastHTTPRequest: request } },
        contentType: "application/merge-patch+json",
      });
    } catch (error) {
      this.log.debug("Could not record the last HTTP request", { sprite: key, error });
    }
  }

  explainEnd(ref: SpriteRef, sinceMs: number): Promise<SessionEnd | undefined> {
    return this.spriteBackend.explainEnd(ref, sinceMs);
  }
}
