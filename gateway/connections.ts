// The connections the gateway serves, each with an id for its log lines, and the terminals open
// on them: what a drain needs to tell the people at those terminals and to know when the last
// connection is gone. Pure bookkeeping; the server closes and counts.
import { randomBytes } from "node:crypto";

/** The line each terminal gets when the gateway starts draining. */
export const DRAIN_NOTICE = "puck: the SSH gateway is being replaced (an upgrade or a restart); this session goes on, and new connections go to the new gateway.";

export interface TrackedConnection {
  readonly id: string;
  /** Ends the connection at once (its TCP socket). */
  close(): void;
}

export class Connections {
  private readonly open = new Map<string, TrackedConnection>();
  private readonly terminals = new Set<(line: string) => void>();
  private notice: string | undefined;
  private onEmpty: (() => void) | undefined;

  /** A new connection, under a fresh id; `forget` it when it closes. */
  add(close: () => void): TrackedConnection {
    let id: string;
    do id = randomBytes(4).toString("hex");
    while (this.open.has(id));
    const connection = { id, close };
    this.open.set(id, connection);
    return connection;
  }

  forget(connection: TrackedConnection): void {
    this.open.delete(connection.id);
    if (this.open.size === 0) this.onEmpty?.();
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * A session with a terminal: `tell` writes a line to it. Told at once when a drain has begun (a
   * new session on a connection that stays). Returns the call that forgets it.
   */
  addTerminal(tell: (line: string) => void): () => void {
    this.terminals.add(tell);
    if (this.notice !== undefined) tell(this.notice);
    return () => this.terminals.delete(tell);
  }

  /** Tells every terminal `notice` once, and every terminal opened from now on at once. */
  announce(notice: string): void {
    if (this.notice !== undefined) return;
    this.notice = notice;
    for (const tell of this.terminals) tell(notice);
  }

  /**
   * Resolves once the last connection is gone, or after `timeoutMs` with the connections still
   * open closed. Resolves with how many were closed so.
   */
  drain(timeoutMs: number): Promise<{ closed: number }> {
    return new Promise((resolve) => {
      if (this.open.size === 0) return resolve({ closed: 0 });
      const timer = setTimeout(() => {
        this.onEmpty = undefined;
        const left = [...this.open.values()];
        for (const connection of left) connection.close();
        resolve({ closed: left.length });
      }, timeoutMs);
      this.onEmpty = () => {
        clearTimeout(timer);
        resolve({ closed: 0 });
      };
    });
  }
}
