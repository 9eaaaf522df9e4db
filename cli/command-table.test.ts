import { describe, expect, it } from "vitest";
import { COMMANDS } from "./command-table.js";
import { completionScript } from "./commands/completion.js";
import { GLOBAL_FLAGS } from "./flags.js";
import { buildProgram } from "./program.js";
import { captureIo } from "./test-io.js";

/** What a command would receive for these words, without running it. */
async function parsed(argv: string[]) {
  let received: { name: string; args: string[]; options: Record<string, unknown> } | undefined;
  const { program } = buildProgram(captureIo(), async (entry, args, options) => {
    received = { name: entry.name, args, options };
    return 0;
  });
  await program.parseAsync(argv, { from: "user" });
  return received!;
}

describe("the command table", () => {
  it("loads a function for every command", async () => {
    for (const entry of COMMANDS) expect(await entry.load(), entry.name).toBeTypeOf("function");
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("stores every flag under the name its options type says", () => {
    for (const flags of [GLOBAL_FLAGS, ...COMMANDS.map((c) => c.flags)]) {
      for (const [key, flag] of Object.entries(flags)) expect(flag.option().attributeName(), flag.option().flags).toBe(key);
    }
  });

  it("gives a short flag one meaning on every command", () => {
    const meaning = new Map<string, string>();
    for (const flags of [GLOBAL_FLAGS, ...COMMANDS.map((c) => c.flags)]) {
      for (const flag of Object.values(flags)) {
        const { short, long } = flag.option();
        if (!short || !long) continue;
        const seen = meaning.get(short) ?? long;
        expect(long, short).toBe(seen);
        meaning.set(short, seen);
      }
    }
  });

  it.each([["list"], ["top"]])("%s takes -A and -n after the command, as before it", async (name) => {
    expect((await parsed([name, "-A"])).options.allNamespaces).toBe(true);
    expect((await parsed([name, "--all-namespaces"])).options.allNamespaces).toBe(true);
    expect((await parsed([name, "-n", "lab"])).options.namespace).toBe("lab");
    expect((await parsed(["-n", "lab", name])).options.namespace).toBe("lab");
  });

  it("hands a command typed values: durations in milliseconds, --no-wait as wait: false", async () => {
    expect((await parsed(["wake", "dev"])).options).toMatchObject({ timeout: 300_000, wait: true });
    expect((await parsed(["wake", "dev", "--timeout", "90s", "--no-wait"])).options).toMatchObject({ timeout: 90_000, wait: false });
    await expect(parsed(["connect", "dev", "--timeout", "soon"])).rejects.toThrow(/--timeout "soon" is not a duration/);
  });

  it("passes connect's remote command as the arguments after the name", async () => {
    expect(await parsed(["connect", "dev", "--", "ls", "-n", "/"])).toMatchObject({ name: "connect", args: ["dev", "ls", "-n", "/"] });
  });

  it("completes every command, and Sprite names for the commands that take one", () => {
    const script = completionScript("bash", COMMANDS)!;
    for (const entry of COMMANDS) expect(script).toContain(entry.name);
    const ofSprites = COMMANDS.filter((c) => c.completes === "sprite").map((c) => c.name);
    expect(ofSprites).toEqual(expect.arrayContaining(["connect", "describe", "delete"]));
    expect(script).toContain(`${ofSprites.join("|")}) [ "$COMP_CWORD" -eq 2 ]`);
  });
});
