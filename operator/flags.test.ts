// The operator's flags: defaults, every flag, and one-line errors for bad values.
import { describe, expect, it } from "vitest";
import { parseDuration, parseFlags } from "./flags.js";

describe("parseFlags", () => {
  it("has the documented defaults", () => {
    expect(parseFlags([])).toEqual({
      agentImage: "puck-agent:dev",
      metricsBindAddress: ":8080",
      healthProbeBindAddress: ":8081",
      leaderElect: true,
      activityStaleAfterMs: 150_000,
      logLevel: "info",
      idleTimeoutScale: 1,
      workers: 4,
    });
  });

  it("reads every flag", () => {
    const f = parseFlags([
      "--kubeconfig", "/k", "--namespace", "ns", "--leader-elect", "false", "--leader-election-namespace", "sys",
      "--activity-stale-after", "2m", "--log-level", "debug", "--idle-timeout-scale", "0.05",
      "--url-domain", "sprites.home.example", "--url-scheme", "https",
    ]);
    expect(f.urls).toEqual({ domain: "sprites.home.example", scheme: "https" });
    expect(f).toMatchObject({ kubeconfig: "/k", namespace: "ns", leaderElect: false, leaderElectionNamespace: "sys", activityStaleAfterMs: 120_000, logLevel: "debug", idleTimeoutScale: 0.05 });
  });

  it.each([
    { name: "a duration without a unit", argv: ["--activity-stale-after", "150"], error: /not a duration/ },
    { name: "a bad log level", argv: ["--log-level", "loud"], error: /not a log level/ },
    { name: "a bad boolean", argv: ["--leader-elect", "yes"], error: /not true or false/ },
    { name: "a wildcard URL domain", argv: ["--url-domain", "*.sprites.example"], error: /is not a domain such as/ },
    { name: "a bad URL scheme", argv: ["--url-scheme", "ftp"], error: /not a URL scheme/ },
    { name: "a bad bind address", argv: ["--metrics-bind-address", ":http"], error: /not a bind address/ },
    { name: "an unknown flag", argv: ["--nope"], error: /unknown option/ },
  ])("rejects $name with a message naming it", ({ argv, error }) => expect(() => parseFlags(argv)).toThrow(error));
});

describe("parseDuration", () => {
  it("parses what the flags accept", () => {
    expect([parseDuration("500ms"), parseDuration("1.5s"), parseDuration("1h")]).toEqual([500, 1500, 3_600_000]);
  });
});
