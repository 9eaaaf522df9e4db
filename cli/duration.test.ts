import { describe, expect, it } from "vitest";
import { ageSince, formatAge, parseDuration, parseIdleTimeoutMinutes, timeUntil } from "./duration.js";

describe("parseDuration", () => {
  it.each([
    ["seconds", "90s", 90_000],
    ["minutes", "45m", 2_700_000],
    ["hours and minutes combine", "1h30m", 5_400_000],
    ["days", "1d", 86_400_000],
    ["fractions", "1.5h", 5_400_000],
    ["surrounding blanks are ignored", " 2h ", 7_200_000],
    ["a bare number has no unit", "45", undefined],
    ["unknown units are refused", "3w", undefined],
    ["negative values are refused", "-5m", undefined],
    ["empty text is refused", "", undefined],
  ])("%s: %s", (_name, text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });
});

describe("parseIdleTimeoutMinutes", () => {
  it.each([
    ["a bare number is minutes", "45", 45],
    ["a duration in minutes", "45m", 45],
    ["a duration in hours", "2h", 120],
    ["seconds that make whole minutes", "120s", 2],
    ["seconds that do not make whole minutes are refused", "90s", undefined],
    ["words are refused", "soon", undefined],
  ])("%s: %s", (_name, text, expected) => {
    expect(parseIdleTimeoutMinutes(text)).toBe(expected);
  });
});

describe("formatAge", () => {
  it.each([
    ["under two minutes shows seconds", 75_000, "75s"],
    ["a few minutes keep their seconds", 200_000, "3m20s"],
    ["tens of minutes", 45 * 60_000, "45m"],
    ["hours and minutes under three hours", 150 * 60_000, "2h30m"],
    ["whole hours", 120 * 60_000, "2h"],
    ["hours past three", 5 * 3_600_000, "5h"],
    ["a day and hours", 30 * 3_600_000, "1d6h"],
    ["days", 10 * 86_400_000, "10d"],
    ["years", 800 * 86_400_000, "2y"],
    ["negative ages clamp to zero", -5000, "0s"],
  ])("%s", (_name, ms, expected) => {
    expect(formatAge(ms)).toBe(expected);
  });
});

describe("ageSince and timeUntil", () => {
  const now = new Date("2026-01-01T12:00:00Z");
  it("an age counts back from now", () => expect(ageSince("2026-01-01T11:15:00Z", now)).toBe("45m"));
  it("a missing timestamp is unknown", () => expect(ageSince(undefined, now)).toBe("<unknown>"));
  it("a countdown counts forward", () => expect(timeUntil("2026-01-01T12:30:00Z", now)).toBe("30m"));
  it("a countdown in the past reads now", () => expect(timeUntil("2026-01-01T11:00:00Z", now)).toBe("now"));
  it("no deadline reads as a dash", () => expect(timeUntil(undefined, now)).toBe("-"));
});
