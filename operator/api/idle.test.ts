import { describe, expect, it } from "vitest";
import { idleSince } from "./idle.js";

const t = (s: string) => `2026-12-07T14:${s}Z`;

describe("idleSince", () => {
  it("runs from when the machine came up, not from the wake, when the start took longer", () => {
    // Woke at :00, the first start seeded its system until :10: idle counts from :10.
    const since = idleSince({}, { wokeAt: t("42:00"), activity: { reportTime: t("42:11"), mainStartTime: t("42:10") } });
    expect(since).toEqual({ atMs: Date.parse(t("42:10")), cause: "the machine came up" });
  });
  it("a main container that started before the last wake (the previous pod's) does not count", () => {
    const since = idleSince({}, { wokeAt: t("50:00"), activity: { reportTime: t("40:00"), mainStartTime: t("30:00") } });
    expect(since).toEqual({ atMs: Date.parse(t("50:00")), cause: "waking" });
  });
  it("later activity or a later wake request wins", () => {
    const status = { wokeAt: t("42:00"), lastActiveTime: t("45:00"), activity: { reportTime: t("45:00"), mainStartTime: t("42:10") } };
    expect(idleSince({}, status)?.cause).toBe("the last session, command or busy process the agent saw");
    expect(idleSince({ wakeRequestedAt: t("46:00") }, status)).toEqual({ atMs: Date.parse(t("46:00")), cause: "a connect or wake request" });
  });
});
