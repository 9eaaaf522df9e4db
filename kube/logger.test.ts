// The JSON-lines logger: levels, child fields, errors with their causes.
import { describe, expect, it } from "vitest";
import { errorText, makeLogger } from "./logger.js";

describe("makeLogger", () => {
  it("writes JSON lines with the child's fields, drops lines below its level, and flattens errors with their causes", () => {
    const lines: string[] = [];
    const log = makeLogger({ level: "info", write: (l) => lines.push(l), now: () => new Date("2026-01-01T00:00:00Z") });
    const child = log.child({ sprite: "dev", namespace: "team" });
    child.debug("Ignored");
    child.warn("Failed to reconcile Sprite", { error: new Error("patch Sprite status", { cause: new Error("409 Conflict") }) });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: "2026-01-01T00:00:00.000Z", level: "warn", msg: "Failed to reconcile Sprite", sprite: "dev", namespace: "team", error: "patch Sprite status: 409 Conflict" },
    ]);
  });

  it("errorText handles non-errors", () => expect(errorText("plain")).toBe("plain"));
});
