// The parts of the `ws` package (a dependency of @kubernetes/client-node, with no types of its own
// installed) that the e2e tests use: a WebSocket client and server.
declare module "ws" {
  import type { EventEmitter } from "node:events";
  import type { IncomingMessage, Server } from "node:http";

  export class WebSocket extends EventEmitter {
    constructor(address: string, options?: { headers?: Record<string, string> });
    send(data: string | Buffer): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    pause(): void;
    resume(): void;
    readonly bufferedAmount: number;
    readonly readyState: number;
    readonly CLOSED: number;
  }

  export class WebSocketServer extends EventEmitter {
    constructor(options: { server: Server } | { noServer: true });
    close(): void;
    on(event: "connection", listener: (socket: WebSocket, request: IncomingMessage) => void): this;
  }
}
