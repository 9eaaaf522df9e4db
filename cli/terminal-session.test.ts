import { describe, expect, it } from "vitest";
import { openTerminalSession, type SessionSignal } from "./terminal-session.js";
import { captureIo } from "./test-io.js";

/** A captured terminal whose raw-mode switches are recorded. */
function terminal(tty: boolean) {
  const io = captureIo({ tty });
  const rawModes: boolean[] = [];
  io.stdin.setRawMode = (mode: boolean) => rawModes.push(mode);
  return { io, rawModes };
}

const listeners = () => ["SIGINT", "SIGTERM", "SIGHUP", "exit"].map((event) => process.listenerCount(event));

describe("openTerminalSession", () => {
  it("puts a terminal in raw mode and gives it back once, however often it is ended", () => {
    const { io, rawModes } = terminal(true);
    const before = listeners();
    const events: string[] = [];
    const session = openTerminalSession(io, { raw: true, screen: { enter: () => events.push("enter"), leave: () => events.push("leave") }, onSignal: () => undefined });
    expect(session.raw).toBe(true);
    expect(rawModes).toEqual([true]);
    expect(listeners()).toEqual(before.map((n) => n + 1));
    session.end();
    session.end();
    expect(rawModes).toEqual([true, false]);
    expect(events).toEqual(["enter", "leave"]);
    expect(listeners()).toEqual(before);
  });

  it("leaves stdin as it is when it is not a terminal", () => {
    const { io, rawModes } = terminal(false);
    const session = openTerminalSession(io, { raw: true, onSignal: () => undefined });
    session.end();
    expect(session.raw).toBe(false);
    expect(rawModes).toEqual([]);
  });

  it("hands keys and signals to the caller until it ends", () => {
    const { io } = terminal(true);
    const keys: string[] = [];
    const signals: SessionSignal[] = [];
    const session = openTerminalSession(io, { raw: true, onInput: (data) => keys.push(data.toString()), onSignal: (s) => signals.push(s) });
    io.stdin.emit("data", "q");
    process.emit("SIGTERM", "SIGTERM");
    session.end();
    io.stdin.emit("data", "x");
    expect(keys).toEqual(["q"]);
    expect(signals).toEqual(["SIGTERM"]);
  });
});
