// What the HTTP layer needs from the cluster, as one interface (as backend.ts is for SSH): a
// Sprite's URL settings and state, its wake, connections to its ports, its SpriteTokens, and the
// record of its last request. The cluster implementation lives beside it (kube-url-backend.ts);
// the HTTP layer knows nothing of Kubernetes.
import type { Duplex } from "node:stream";
import type { SessionEnd } from "../../operator/api/index.js";
import type { SpriteToken } from "../../operator/api/access-token.js";
import type { HttpPort, HttpRequest } from "../../operator/api/sprite-schema.js";
import type { SpriteRef } from "../../sprite-client/sprite-ref.js";

export { WakeFailed } from "../backend.js";

/** What the HTTP layer reads of a Sprite. */
export interface UrlSprite {
  /** Binds session cookies to this Sprite, not to one made again under its name. */
  uid: string;
  /** spec.http: the ports it serves, public or private. */
  http: readonly HttpPort[];
  /** Ports its services declare (spec.services[].port): started at every wake. */
  servicePorts: readonly number[];
  /**
   * awake: it takes connections now; waking: a wake is under way (someone else's too);
   * asleep: hibernated, and nothing wakes it yet.
   */
  state: "awake" | "waking" | "asleep";
  /** When it last woke (status.wokeAt), in ms. */
  wokeAtMs?: number;
}

export interface UrlBackend {
  /** The Sprite, or undefined when there is none the gateway may read. */
  sprite(ref: SpriteRef): Promise<UrlSprite | undefined>;
  /** Wakes it (or joins a wake under way) and resolves once it takes connections; WakeFailed says why not. */
  wake(ref: SpriteRef, progress: (step: string) => void, signal: AbortSignal): Promise<void>;
  /**
   * A connection to `port` on the Sprite's own localhost. When nothing listens there it rejects, or
   * the stream fails, with an error `isRefusal` recognises.
   */
  connect(ref: SpriteRef, port: number, signal: AbortSignal): Promise<Duplex>;
  /** Whether something accepts connections on `port` now (it closes the probe at once). */
  accepts(ref: SpriteRef, port: number, signal: AbortSignal): Promise<boolean>;
  /** Whether an error from connect or its stream means nothing listened on the port. */
  isRefusal(error: unknown): boolean;
  /** The SpriteToken `name` in `namespace`, or undefined when there is none. */
  token(namespace: string, name: string): Promise<SpriteToken | undefined>;
  /**
   * Uses up a code: deletes exactly this version of it. False when it was already used (gone, or
   * changed): a code works once even when two replicas see it at the same time.
   */
  consumeCode(token: SpriteToken): Promise<boolean>;
  /** Records the request as the Sprite's last (status.lastHTTPRequest), at most every few seconds; never fails. */
  recordRequest(ref: SpriteRef, request: HttpRequest): void;
  /** Why a connection that began at `sinceMs` ended from the Sprite's side, or undefined. */
  explainEnd(ref: SpriteRef, sinceMs: number): Promise<SessionEnd | undefined>;
}
