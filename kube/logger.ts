// A JSON-lines logger for every Puck program that runs in the cluster (operator, agent, gateway): one
// made in main.ts and passed down; child loggers carry fields. It lives in the shared layer so no
// program imports another.

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export const isLogLevel = (value: string): value is LogLevel => value in RANK;

/** Errors become their message and their causes' messages, so a log line says what failed and why. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && parts.length < 5) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}

export function makeLogger(
  options: { level: LogLevel; write?: (line: string) => void; now?: () => Date },
  base: Record<string, unknown> = {},
): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < RANK[options.level]) return;
    const record: Record<string, unknown> = { time: now().toISOString(), level, msg, ...base, ...fields };
    if (record.error !== undefined) record.error = errorText(record.error);
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => makeLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything: for tests that do not look at logs. */
export const silentLogger: Logger = makeLogger({ level: "error", write: () => {} });
