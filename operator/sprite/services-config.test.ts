// The declarations the operator writes for the supervisor, read back by a real /bin/sh.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { replaceData, serviceDeclaration, servicesData, shellQuote } from "./services-config.js";

/** What sh makes of a declaration: the argv its command line runs, and the fields the supervisor reads. */
function readBack(declaration: string) {
  const script = `${declaration}\nset -- ; eval "set -- $command"; shift; for a; do printf '<%s>' "$a"; done; printf '\\n%s|%s|%s|%s|%s|%s|%s|%s\\n' "$dir" "$user" "$port" "$after" "$grace" "$stopsignal" "$stopped" "$GREETING"`;
  const r = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n");
}

describe("serviceDeclaration", () => {
  it("quotes every argv word so sh gives the program exactly the words the spec names", () => {
    const words = ["python3", "-c", "print('it''s $HOME `x` \\\\ \"q\"')", "a b", "", "*"];
    const [argv] = readBack(serviceDeclaration({ name: "x", command: words }));
    expect(argv).toBe(words.map((w) => `<${w}>`).join(""));
  });

  it("carries dir, user, port, after, grace, stop signal, stopped and the environment", () => {
    const [, fields] = readBack(
      serviceDeclaration({
        name: "web",
        command: ["srv"],
        dir: "/srv/my app",
        user: "www-data",
        port: 8080,
        after: ["db", "cache"],
        gracePeriodSeconds: 90,
        stopSignal: "INT",
        stopped: true,
        env: [{ name: "GREETING", value: "hello 'world'" }],
      }),
    );
    expect(fields).toBe("/srv/my app|www-data|8080|db cache|90|INT|yes|hello 'world'");
  });

  it("defaults the grace to 30 s and names nothing else the spec leaves out", () => {
    expect(serviceDeclaration({ name: "a", command: ["true"] })).toBe(`command='${"'\\''exec'\\'' '\\''true'\\''"}'\ngrace=30\n`);
  });

  it("a restart request changes the declaration (which restarts the service), nothing else does", () => {
    const base = { name: "a", command: ["true"] };
    expect(serviceDeclaration({ ...base, restartedAt: "2026-01-01T00:00:00Z" })).not.toBe(serviceDeclaration(base));
  });

  it("shellQuote closes and reopens around a quote", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe("the ConfigMap's data", () => {
  it("keys sort in the spec's order past nine services", () => {
    const services = Array.from({ length: 12 }, (_, i) => ({ name: `s${11 - i}`, command: ["true"] }));
    const keys = Object.keys(servicesData(services));
    expect([...keys].sort()).toEqual(keys);
    expect(keys[0]).toBe("01-s11");
  });

  it("is replaced whole: a removed service's key is a difference, and goes", () => {
    const desired = { metadata: { name: "m" }, data: { "01-a": "x" } };
    const current = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "m" }, data: { "01-a": "x", "02-b": "y" } };
    expect(replaceData.difference(desired, current)).toBe("data");
    expect(replaceData.update(desired, current).data).toEqual({ "01-a": "x" });
    expect(replaceData.difference({ metadata: { name: "m" }, data: {} }, { ...current, data: undefined })).toBeUndefined();
  });
});
