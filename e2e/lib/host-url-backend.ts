// A UrlBackend whose "Sprites" are entries in a map and whose ports are real ports on this machine:
// it lets the gateway's HTTP layer be driven by curl and a WebSocket client against real local HTTP
// servers without a cluster. A Sprite can be hibernated; its wake waits until the test lets it
// finish, or fails with a reason; explainEnd says what the test set.
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import type { SpriteToken } from "../../operator/api/access-token.js";
import type { HttpPort, HttpRequest, SessionEnd } from "../../operator/api/index.js";
import type { SpriteRef } from "../../sprite-client/sprite-ref.js";
import { WakeFailed, type UrlBackend, type UrlSprite } from "../../gateway/http/url-backend.js";

export interface HostUrlSprite {
  uid: string;
  http: HttpPort[];
  servicePorts?: number[];
  state: UrlSprite["state"];
  wokeAtMs?: number;
  /** The Sprite's port → the local port that serves it; an unmapped port refuses. */
  ports: Record<number, number>;
  /** A wake that fails with this reason. */
  failsToStart?: string;
  /** What explainEnd says of a connection that ended. */
  endsSessions?: SessionEnd;
}

class Refused extends Error {}

export class HostUrlBackend implements UrlBackend {
  readonly sprites = new Map<string, HostUrlSprite>();
  readonly tokens = new Map<string, SpriteToken>();
  readonly wakes: string[] = [];
  readonly records: HttpRequest[] = [];
  /** Connections opened to Sprites' ports, per Sprite ("namespace/name"). */
  readonly connects = new Map<string, number>();
  /** Wakes under way finish when the test calls finishWakes(). */
  private pending: (() => void)[] = [];

  private find(ref: SpriteRef): HostUrlSprite {
    const sprite = this.sprites.get(`${ref.namespace}/${ref.name}`);
    if (!sprite) throw new Error(`no Sprite ${ref.namespace}/${ref.name}`);
    return sprite;
  }

  /** Lets every wake under way finish: its Sprite is awake from now. */
  finishWakes(): void {
    for (const finish of this.pending.splice(0)) finish();
  }

  async sprite(ref: SpriteRef): Promise<UrlSprite | undefined> {
    const s = this.sprites.get(`${ref.namespace}/${ref.name}`);
    if (!s) return undefined;
    return { uid: s.uid, http: s.http, servicePorts: s.servicePorts ?? [], state: s.state, ...(s.wokeAtMs !== undefined ? { wokeAtMs: s.wokeAtMs } : {}) };
  }

  async wake(ref: SpriteRef, progress: (step: string) => void, signal: AbortSignal): Promise<void> {
    const sprite = this.find(ref);
    this.wakes.push(`${ref.namespace}/${ref.name}`);
    if (sprite.state === "awake") return;
    progress("starting the pod");
    if (sprite.failsToStart) throw new WakeFailed(sprite.failsToStart);
    sprite.state = "waking";
    await new Promise<void>((resolve, reject) => {
      this.pending.push(resolve);
      signal.addEventListener("abort", () => reject(new Error("wake timed out")), { once: true });
    });
    sprite.state = "awake";
    sprite.wokeAtMs = Date.now();
  }

  connect(ref: SpriteRef, port: number): Promise<Duplex> {
    const key = `${ref.namespace}/${ref.name}`;
    this.connects.set(key, (this.connects.get(key) ?? 0) + 1);
    const local = this.find(ref).ports[port];
    if (local === undefined) return Promise.reject(new Refused(`nothing listens on ${port}`));
    return new Promise((resolve, reject) => {
      const socket = connect(local, "127.0.0.1");
      socket.once("connect", () => resolve(socket));
      socket.once("error", reject);
    });
  }

  async accepts(ref: SpriteRef, port: number): Promise<boolean> {
    return this.connect(ref, port).then((s) => (s.destroy(), true), () => false);
  }

  isRefusal(error: unknown): boolean {
    return error instanceof Refused || (error as NodeJS.ErrnoException)?.code === "ECONNREFUSED";
  }

  async token(namespace: string, name: string): Promise<SpriteToken | undefined> {
    return this.tokens.get(`${namespace}/${name}`);
  }

  async consumeCode(token: SpriteToken): Promise<boolean> {
    const key = `${token.metadata.namespace}/${token.metadata.name}`;
    const stored = this.tokens.get(key);
    if (!stored || stored.metadata.resourceVersion !== token.metadata.resourceVersion) return false;
    this.tokens.delete(key);
    return true;
  }

  recordRequest(_ref: SpriteRef, request: HttpRequest): void {
    this.records.push(request);
  }

  async explainEnd(ref: SpriteRef): Promise<SessionEnd | undefined> {
    return this.find(ref).endsSessions;
  }
}
