// `puck port-forward NAME [LOCAL:]REMOTE...`: local ports that reach ports of a Sprite, waking it on
// the first connection; runs until Ctrl-C, which closes every listener and connection (exit 0).
import { createServer, type Server, type Socket } from "node:net";
import { PortForwardRefused, splice } from "../../kube/port-forward.js";
import { EXIT, PuckError } from "../errors.js";
import { parseForwardSpecs, type ForwardSpec } from "../forward-spec.js";
import type { Io } from "../io.js";
import { createOutput, formatError } from "../output.js";
import { SpritePorts } from "../sprite-ports.js";
import { getSprite } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";

interface Listening {
  server: Server;
  spec: ForwardSpec;
  port: number;
}

/** Binds every local port before anything else happens: a port in use fails at once. */
async function listenAll(specs: readonly ForwardSpec[], address: string): Promise<Listening[]> {
  const listening: Listening[] = [];
  try {
    for (const spec of specs) {
      // A 1 MiB buffer per connection: with the default 16 KiB, every chunk from the API server
      // (tens of KiB) fills it, and the pause and 'drain' after each one cost a download its speed.
      const server = createServer({ noDelay: true, pauseOnConnect: true, highWaterMark: 1 << 20 });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(spec.local, address, () => {
          server.off("error", reject);
          resolve();
        });
      });
      listening.push({ server, spec, port: (server.address() as { port: number }).port });
    }
  } catch (error) {
    for (const l of listening) l.server.close();
    throw bindError(error, specs[listening.length]!, address);
  }
  return listening;
}

function bindError(error: unknown, spec: ForwardSpec, address: string): unknown {
  const code = (error as { code?: string }).code;
  if (code === "EADDRINUSE") {
    return new PuckError(`local port ${spec.local} on ${address} is already in use`, `pick another local port, e.g. \`:${spec.remote}\` for any free one`);
  }
  if (code === "EACCES") return new PuckError(`not allowed to listen on local port ${spec.local}`, "use a port above 1023", EXIT.usage);
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") return new PuckError(`cannot listen on address ${address}: it is not one of this machine's`, "use e.g. --address 127.0.0.1", EXIT.usage);
  return error;
}

/** One line for a connection that could not be carried: the kubelet's refusal, or the error's own. */
function connectionFailure(error: unknown, name: string, port: number): { message: string; hint?: string } {
  if (error instanceof PortForwardRefused) {
    const refused = /connection refused/i.test(error.message);
    return refused
      ? { message: `nothing listens on port ${port} in Sprite ${name}`, hint: "start the server in the Sprite; this connection was closed" }
      : { message: `port ${port} in Sprite ${name}: ${error.message}` };
  }
  if (error instanceof PuckError) return { message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { message: `port ${port} in Sprite ${name}: ${error instanceof Error ? error.message : String(error)}` };
}

export type PortForwardOptions = TargetOptions & { address?: string | undefined; timeout: number };

export async function portForward([name, ...args]: string[], options: PortForwardOptions, io: Io): Promise<number> {
  const specs = parseForwardSpecs(args);
  const address = options.address ?? "127.0.0.1";
  const timeoutMs = options.timeout;
  const target = await openTarget(options, io);
  // An unknown Sprite fails now, not at the first connection.
  await getSprite(target, name!);
  const listening = await listenAll(specs, address);
  const out = createOutput(io);
  const ports = new SpritePorts(target, name!, {
    io,
    timeoutMs,
    onPodGone: (pod) => out.notice(`pod ${pod} of Sprite ${name} went away (the Sprite hibernated or restarted), which ended its connections; the next connection wakes it`),
  });
  const sockets = new Set<Socket>();
  const stop = new AbortController();

  for (const { server, spec, port } of listening) {
    out.line(`Forwarding ${address}:${port} -> ${name}:${spec.remote}`);
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
      ports
        .connect(spec.remote)
        .then((remote) => splice(socket, remote, stop.signal))
        .catch((error: unknown) => {
          if (stop.signal.aborted) return;
          const { message, hint } = connectionFailure(error, name!, spec.remote);
          io.stderr.write(formatError(io, message, hint));
        })
        .finally(() => socket.destroy());
    });
  }

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  stop.abort();
  ports.close();
  for (const { server } of listening) server.close();
  for (const socket of sockets) socket.destroy();
  return 0;
}
