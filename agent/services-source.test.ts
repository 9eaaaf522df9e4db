// The supervisor's state files as the agent reports them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseServiceState, readServices } from "./services-source.js";

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe("parseServiceState", () => {
  it("reads the fields the supervisor writes; a failed service carries its last output", () => {
    const text = "state=failed\nrestarts=5\nlastExit=3\nsince=1796620988\nsource=spec\nmessage=exited 5 times in a row\n";
    expect(parseServiceState("crash", text, "boom\n")).toEqual({
      name: "crash",
      state: "failed",
      source: "spec",
      restarts: 5,
      lastExit: 3,
      since: "2026-12-07T05:23:08Z",
      message: "exited 5 times in a row",
      lastOutput: "boom\n",
    });
  });

  it("a backoff between restarts is starting; empty fields are left out; an unknown state is nothing", () => {
    expect(parseServiceState("a", "state=backoff\nrestarts=1\nlastExit=\nsince=0\nsource=sprite\nmessage=\n")).toEqual({
      name: "a",
      state: "starting",
      source: "sprite",
      restarts: 1,
      since: "1970-01-01T00:00:00Z",
    });
    expect(parseServiceState("a", "state=running\n", "old output")).toEqual({ name: "a", state: "running" });
    expect(parseServiceState("a", "state=weird\n")).toBeUndefined();
    expect(parseServiceState("a", "")).toBeUndefined();
  });
});

describe("readServices", () => {
  it("reads every NAME.state of the home's .puck/run by name, skipping the supervisor's other files", () => {
    const home = mkdtempSync(join(tmpdir(), "puck-services-source-"));
    dirs.push(home);
    const run = join(home, ".puck/run");
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, "web.state"), "state=running\n");
    writeFileSync(join(run, "db.state"), "state=stopped\nmessage=stopped by hand\n");
    writeFileSync(join(run, "db.def"), "command=x\n");
    writeFileSync(join(run, "web.state.tmp"), "state=starting\n");
    expect(readServices(home)).toEqual([
      { name: "db", state: "stopped", message: "stopped by hand" },
      { name: "web", state: "running" },
    ]);
  });

  it("is empty where no supervisor wrote anything", () => {
    expect(readServices(join(tmpdir(), "puck-no-such-home"))).toEqual([]);
  });
});
