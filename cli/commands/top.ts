// `puck top`: a live view of every Sprite's activity, kept current by a watch and redrawn in place.
import type { Sprite } from "../../operator/api/index.js";
import type { Io } from "../io.js";
import { createOutput, fullScreen } from "../output.js";
import { renderTopFrame, spriteKey } from "../render-top.js";
import { followSprites, listSprites, type Target } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";
import { openTerminalSession } from "../terminal-session.js";

export async function top(_args: string[], options: TargetOptions & { once?: boolean | undefined }, io: Io): Promise<number> {
  const target = await openTarget(options, io);
  const first = await listSprites(target);
  const live = options.once !== true && io.stdout.isTTY === true;
  if (!live) {
    createOutput(io).text(renderTopFrame({ namespace: target.namespace, allNamespaces: target.allNamespaces === true, sprites: first.items, now: io.now() }));
    return 0;
  }
  return liveView(target, first.items, first.metadata.resourceVersion, io);
}

async function liveView(target: Target, initial: Sprite[], resourceVersion: string | undefined, io: Io): Promise<number> {
  // Keyed by namespace/name: with -A, two namespaces may each hold a Sprite of the same name.
  const sprites = new Map(initial.map((s) => [spriteKey(s), s]));
  const abort = new AbortController();
  const screen = fullScreen(io);
  let footer = "q or Ctrl-C to quit";
  const draw = () =>
    screen.redraw(
      renderTopFrame({
        namespace: target.namespace,
        allNamespaces: target.allNamespaces === true,
        sprites: [...sprites.values()],
        now: io.now(),
        columns: io.stdout.columns ?? 120,
        footer,
      }),
    );
  const quit = () => abort.abort();
  const session = openTerminalSession(io, {
    raw: true,
    screen,
    onInput: (data) => {
      const text = data.toString();
      if (text === "q" || text === "Q" || text.includes("\x03")) quit();
    },
    onResize: draw,
    onSignal: quit,
  });
  // The countdowns move with the clock, not only with the watch.
  const ticker = setInterval(draw, 1000);
  draw();

  try {
    await followSprites(target, {
      resourceVersion,
      signal: abort.signal,
      onList: (items) => {
        sprites.clear();
        for (const s of items) sprites.set(spriteKey(s), s);
        footer = "q or Ctrl-C to quit";
        draw();
      },
      onEvent: (event) => {
        if (event.type === "DELETED") sprites.delete(spriteKey(event.object));
        else sprites.set(spriteKey(event.object), event.object);
        footer = "q or Ctrl-C to quit";
        draw();
      },
      onRetry: (message, retryInMs) => {
        footer = `watch failed (${message}); retrying in ${Math.ceil(retryInMs / 1000)} s… q to quit`;
        draw();
      },
    });
  } finally {
    clearInterval(ticker);
    session.end();
  }
  return 0;
}
