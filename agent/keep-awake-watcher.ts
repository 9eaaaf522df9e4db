// Watches the keep-alive file with chokidar (events, not polling) and reports each new reading.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { KEEP_AWAKE_FILE } from "../operator/api/index.js";
import type { Logger } from "./logger.js";
import { parseKeepAwake, type KeepAwake } from "./keep-awake.js";

export interface KeepAwakeWatcher {
  /** The latest reading: a time, or nothing. */
  current(): KeepAwake;
  close(): Promise<void>;
  /** Resolves once the first scan is done, so a file present at start is already read. */
  ready: Promise<void>;
}

/**
 * Watches the home directory (depth 1, only the `.puck` directory and the keep-awake file) rather
 * than the file itself, so that creating `.puck` and the file later is seen too.
 */
export function watchKeepAwake(options: {
  homeDir: string;
  log: Logger;
  now: () => number;
  onChange: (value: KeepAwake) => void;
}): KeepAwakeWatcher {
  const file = resolve(options.homeDir, KEEP_AWAKE_FILE);
  const dir = dirname(file);
  const home = resolve(options.homeDir);
  const log = options.log.child({ file });
  let value: KeepAwake = { absent: true };
  let lastText: string | undefined | null = null; // null: not read yet

  const read = () => {
    let text: string | undefined;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      text = undefined;
    }
    if (text === lastText) return;
    lastText = text;
    value = parseKeepAwake(text, options.now());
    if ("ignored" in value) log.warn("Ignored keep-alive file", { reason: value.ignored });
    else if ("untilMs" in value) log.info("Read keep-alive", { until: new Date(value.untilMs).toISOString() });
    else log.info("Keep-alive file is absent");
    options.onChange(value);
  };

  const watcher: FSWatcher = watch(home, {
    depth: 1,
    ignoreInitial: true,
    // Only the keep-alive's directory and file: a home directory can be huge.
    ignored: (path: string) => {
      const p = resolve(path);
      return !(p === home || p === dir || p === file);
    },
  });
  watcher.on("all", (_event, path) => {
    const p = resolve(path);
    if (p === file || p === dir) read();
  });
  watcher.on("error", (error) => log.warn("Keep-alive watcher failed", { error }));
  const ready = new Promise<void>((done) => watcher.once("ready", () => done()));
  read();
  return { current: () => value, close: () => watcher.close(), ready };
}
