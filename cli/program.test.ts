import { describe, expect, it } from "vitest";
import { PuckError } from "./errors.js";
import { runCli } from "./program.js";
import { captureIo } from "./test-io.js";
import { keepAwakeUntil } from "./commands/keepawake.js";
import { formatError, wantsColor } from "./output.js";

describe("runCli", () => {
  it("--version prints the version", async () => {
    const io = captureIo();
    expect(await runCli(["--version"], io)).toBe(0);
    expect(io.out()).toBe("0.1.0\n");
  });

  it("--help lists commands and examples", async () => {
    const io = captureIo();
    expect(await runCli(["--help"], io)).toBe(0);
    expect(io.out()).toMatch(/connect \[options\] <name> \[command\.\.\.\]/);
    expect(io.out()).toMatch(/Examples:/);
  });

  it("an unknown command is a usage error with a suggestion", async () => {
    const io = captureIo();
    expect(await runCli(["lsit"], io)).toBe(2);
    expect(io.err()).toMatch(/unknown command 'lsit'/);
  });

  it("create --dry-run -o yaml prints the Sprite without a cluster", async () => {
    const io = captureIo();
    const code = await runCli(["create", "dev", "--dry-run", "-o", "yaml", "-n", "lab", "--idle-timeout", "45m", "--memory", "1Gi"], io);
    expect(code).toBe(0);
    expect(io.out()).toBe(
      [
        "apiVersion: puck.sandwich.labs/v1alpha1",
        "kind: Sprite",
        "metadata:",
        "  name: dev",
        "  namespace: lab",
        "spec:",
        "  image: puck-sprite:dev",
        "  idleTimeoutMinutes: 45",
        "  resources:",
        "    requests:",
        "      memory: 1Gi",
        "",
      ].join("\n"),
    );
  });

  it("create reports every invalid value at once, as a usage error", async () => {
    const io = captureIo();
    const error = await runCli(["create", "Bad", "--dry-run", "-n", "x", "--storage", "huge", "--idle-timeout", "never"], io).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PuckError);
    expect((error as PuckError).exitCode).toBe(2);
    expect((error as PuckError).message).toMatch(/3 problems:[\s\S]*name "Bad"[\s\S]*--storage "huge"[\s\S]*--idle-timeout "never"/);
  });

  it("port-forward refuses a bad [LOCAL:]REMOTE before touching the cluster", async () => {
    const error = await runCli(["port-forward", "dev", "8080", "web", "--kubeconfig", "/nonexistent"], captureIo()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PuckError);
    expect((error as PuckError).exitCode).toBe(2);
    expect((error as PuckError).message).toBe(`"web" is not a port forward`);
  });

  it("port-forward needs a port, ssh-config --known-hosts takes nothing else: usage errors", async () => {
    expect(await runCli(["port-forward", "dev"], captureIo())).toBe(2);
    const error = await runCli(["ssh-config", "dev", "--known-hosts", "--kubeconfig", "/nonexistent"], captureIo()).catch((e: unknown) => e);
    expect((error as PuckError).exitCode).toBe(2);
    expect((error as PuckError).message).toMatch(/--known-hosts prints the gateway's key alone/);
  });

  it("logs --since takes a duration, --tail a number of lines: usage errors before any cluster is read", async () => {
    for (const [args, message] of [
      [["--since", "yesterday"], `--since "yesterday" is not a duration`],
      [["--tail", "-3"], `--tail "-3" is not a number of lines`],
    ] as const) {
      const error = await runCli(["logs", "dev", ...args, "--kubeconfig", "/nonexistent"], captureIo()).catch((e: unknown) => e);
      expect((error as PuckError).exitCode).toBe(2);
      expect((error as PuckError).message).toBe(message);
    }
  });

  it("completion prints a script for each shell, and refuses others", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const io = captureIo();
      expect(await runCli(["completion", shell], io)).toBe(0);
      expect(io.out()).toMatch(/connect/);
    }
    await expect(runCli(["completion", "tcsh"], captureIo())).rejects.toThrow(/no completion for shell "tcsh"/);
  });

  it("a command needing a cluster without any kubeconfig says how to point at one", async () => {
    const io = captureIo({ env: { KUBECONFIG: "/nonexistent/kubeconfig" } });
    await expect(runCli(["list"], io)).rejects.toThrow(/no kubeconfig found/);
  });

  it("--kubeconfig pointing at a missing file names the file", async () => {
    await expect(runCli(["list", "--kubeconfig", "/nonexistent/kc"], captureIo())).rejects.toThrow(/cannot read kubeconfig \/nonexistent\/kc/);
  });
});

describe("keepAwakeUntil", () => {
  const now = new Date("2026-01-01T12:00:00Z");
  it.each([
    ["--for adds the duration to now", { for: "2h" }, "2026-01-01T14:00:00.000Z"],
    ["--until takes the time as given", { until: "2026-01-02T08:00:00Z" }, "2026-01-02T08:00:00.000Z"],
    ["--off clears it", { off: true }, null],
  ])("%s", (_name, options, expected) => {
    expect(keepAwakeUntil(options, now)).toBe(expected);
  });
  it.each([
    ["no flag", {}, /exactly one of/],
    ["two flags", { for: "1h", off: true }, /exactly one of/],
    ["a bad duration", { for: "soon" }, /--for "soon" is not a duration/],
    ["a time in the past", { until: "2025-01-01T00:00:00Z" }, /in the past/],
    ["a bad time", { until: "tomorrow" }, /--until "tomorrow" is not a time/],
  ])("refuses %s", (_name, options, message) => {
    expect(() => keepAwakeUntil(options, now)).toThrow(message);
  });
});

describe("colour", () => {
  it.each([
    ["on a terminal", { isTTY: true, write: () => true }, {}, true],
    ["never on a pipe", { isTTY: false, write: () => true }, {}, false],
    ["never with NO_COLOR", { isTTY: true, write: () => true }, { NO_COLOR: "1" }, false],
    ["never with TERM=dumb", { isTTY: true, write: () => true }, { TERM: "dumb" }, false],
  ])("%s", (_name, stream, env, expected) => {
    expect(wantsColor(stream, env)).toBe(expected);
  });
  it("errors are one line of cause and one of fix, plain on a pipe", () => {
    expect(formatError(captureIo(), "Sprite \"x\" not found", "run puck list")).toBe('error: Sprite "x" not found\nhint: run puck list\n');
  });
});
