// All terminal output: colour (only on a TTY, never with NO_COLOR), tables, messages and -o json|yaml.
// The one module that imports kleur.
import kleur from "kleur";
import { loadYaml } from "./lazy-deps.js";
import type { Io, OutStream } from "./io.js";

// kleur decides colour from the environment at import; we decide per stream instead.
kleur.enabled = true;

export type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan" | "magenta";
export type DataFormat = "json" | "yaml";

/** Colour is for people: a TTY, no NO_COLOR (any value, per no-color.org), no TERM=dumb. */
export function wantsColor(stream: OutStream, env: Io["env"]): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

export interface Output {
  readonly color: boolean;
  paint(style: Style, text: string): string;
  /** A line on stdout. */
  line(text?: string): void;
  /** Text already rendered and ending in a newline (a page, a frame, a YAML document): on stdout as it is. */
  text(block: string): void;
  /** A table on stdout; `style` colours a cell. */
  table(headers: string[], rows: string[][], style?: (row: number, column: number, text: string) => Style | undefined): void;
  /** Something that happened to the user's session (not an error of theirs), on stderr. */
  notice(text: string): void;
  /** Progress and notes for people go to stderr, so stdout stays clean for scripts. */
  note(text: string): void;
  success(text: string): void;
  warn(text: string): void;
  data(value: unknown, format: DataFormat): Promise<void>;
}

export function createOutput(io: Io): Output {
  const color = wantsColor(io.stdout, io.env);
  const errColor = wantsColor(io.stderr, io.env);
  const paintWith = (enabled: boolean) => (style: Style, text: string) => (enabled ? kleur[style](text) : text);
  const paint = paintWith(color);
  const paintErr = paintWith(errColor);
  return {
    color,
    paint,
    line: (text = "") => void io.stdout.write(`${text}\n`),
    text: (block) => void io.stdout.write(block),
    table: (headers, rows, style) => void io.stdout.write(renderTable(headers, rows, style, paint)),
    notice: (text) => void io.stderr.write(formatNotice(io, text)),
    note: (text) => void io.stderr.write(`${text}\n`),
    success: (text) => void io.stderr.write(`${paintErr("green", "✓")} ${text}\n`),
    warn: (text) => void io.stderr.write(`${paintErr("yellow", "warning:")} ${text}\n`),
    data: async (value, format) => void io.stdout.write(await formatData(value, format)),
  };
}

export async function formatData(value: unknown, format: DataFormat): Promise<string> {
  return (await dataFormatter(format, false))(value);
}

/** A synchronous formatter, once the YAML library (if needed) is loaded: for watch callbacks. */
export async function dataFormatter(format: DataFormat, stream = true): Promise<(value: unknown) => string> {
  if (format === "json") return (value) => `${JSON.stringify(value, null, 2)}\n`;
  const yaml = await loadYaml();
  // A stream of YAML objects needs document separators.
  return (value) => `${stream ? "---\n" : ""}${yaml.stringify(value, { lineWidth: 0 })}`;
}

/** One line about something that happened to the user's session (not an error of theirs). */
export function formatNotice(io: Io, text: string): string {
  const color = wantsColor(io.stderr, io.env);
  return `${color ? kleur.yellow("puck:") : "puck:"} ${text}\n`;
}

/** The error line main.ts prints: cause, then the fix. */
export function formatError(io: Io, message: string, hint?: string): string {
  const color = wantsColor(io.stderr, io.env);
  const head = color ? kleur.red("error:") : "error:";
  return `${head} ${message}${hint ? `\n${color ? kleur.dim("hint:") : "hint:"} ${hint}` : ""}\n`;
}

/** Pads columns like kubectl (three spaces apart); `style` colours a cell after padding. */
export function renderTable(
  headers: string[],
  rows: string[][],
  style?: (row: number, column: number, text: string) => Style | undefined,
  paint?: Output["paint"],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const render = (cells: string[], rowIndex: number) =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell : cell + " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(cell)));
        const s = rowIndex >= 0 && style && paint ? style(rowIndex, i, cell) : undefined;
        return s && paint ? paint(s, padded) : padded;
      })
      .join("   ")
      .trimEnd();
  return [render(headers, -1), ...rows.map((r, i) => render(r, i))].join("\n") + "\n";
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleLength = (text: string) => text.replace(ANSI, "").length;

/** The colour of a phase, so a glance at a list says what is up. */
export function phaseStyle(phase: string | undefined): Style | undefined {
  switch (phase) {
    case "Active":
      return "green";
    case "Starting":
      return "yellow";
    case "Hibernating":
      return "dim";
    case "Terminating":
      return "magenta";
    default:
      return undefined;
  }
}

/** A full-screen view (puck top): the terminal's alternate screen, redrawn whole, cursor hidden. */
export function fullScreen(io: Io) {
  return {
    enter: () => void io.stdout.write("\x1b[?1049h\x1b[?25l"),
    leave: () => void io.stdout.write("\x1b[?25h\x1b[?1049l"),
    redraw: (frame: string) => void io.stdout.write(`\x1b[H\x1b[2J${frame}`),
  };
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface Progress {
  step(text: string): void;
  done(text: string): void;
  stop(): void;
}

/** A spinner with the current step and elapsed time on a TTY; one plain line per new step otherwise. */
export function createProgress(io: Io, title: string): Progress {
  const tty = io.stderr.isTTY === true;
  const color = wantsColor(io.stderr, io.env);
  const started = io.now().getTime();
  let current = "";
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const elapsed = () => `${((io.now().getTime() - started) / 1000).toFixed(1)}s`;
  const draw = () => {
    const spin = FRAMES[frame++ % FRAMES.length] ?? "";
    const time = color ? kleur.dim(elapsed()) : elapsed();
    io.stderr.write(`\r\x1b[2K${color ? kleur.cyan(spin) : spin} ${title}: ${current} ${time}`);
  };
  if (tty) {
    timer = setInterval(draw, 100);
    timer.unref();
  }
  return {
    step(text) {
      if (text === current) return;
      current = text;
      if (tty) draw();
      else io.stderr.write(`${title}: ${text} (${elapsed()})\n`);
    },
    done(text) {
      if (timer) clearInterval(timer);
      timer = undefined;
      const mark = color ? kleur.green("✓") : "✓";
      io.stderr.write(`${tty ? "\r\x1b[2K" : ""}${mark} ${text} (${elapsed()})\n`);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (tty) io.stderr.write("\r\x1b[2K");
    },
  };
}
