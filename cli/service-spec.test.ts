// `puck service`'s flags, list changes and rows; top's count and describe's section.
import { describe, expect, it } from "vitest";
import type { Sprite } from "../operator/api/index.js";
import { renderDescribe } from "./render-describe.js";
import { serviceCount } from "./render-top.js";
import { changeServices, checkServiceName, serviceFromFlags, serviceRows } from "./service-spec.js";

const now = new Date("2026-01-01T12:00:00Z");

describe("serviceFromFlags", () => {
  it("builds the service the flags describe", () => {
    expect(
      serviceFromFlags("web", ["python3", "-m", "http.server"], { port: "8000", env: ["A=1", "B=x=y"], after: ["db"], dir: "/srv", user: "www-data", grace: "60s", stopSignal: "sigint" }),
    ).toEqual({
      name: "web",
      command: ["python3", "-m", "http.server"],
      dir: "/srv",
      user: "www-data",
      env: [{ name: "A", value: "1" }, { name: "B", value: "x=y" }],
      port: 8000,
      after: ["db"],
      gracePeriodSeconds: 60,
      stopSignal: "INT",
    });
  });

  it("reports every problem at once, with the offending values", () => {
    expect(() => serviceFromFlags("web", [], { port: "80000", env: ["=x"], after: ["web"], grace: "0", stopSignal: "KILL" })).toThrow(
      /give the command after --.*--port "80000".*--grace "0".*--stop-signal "KILL".*--env "=x".*--after "web": a service cannot come after itself/,
    );
  });

  it("refuses a name that is not a service name", () => {
    expect(() => checkServiceName("Web App")).toThrow(/service name "Web App" is not valid/);
    expect(() => checkServiceName(undefined)).toThrow(/name the service/);
  });
});

describe("changeServices", () => {
  const list = [
    { name: "db", command: ["pg"] },
    { name: "web", command: ["srv"], stopped: true },
  ];
  it("add appends a new service and replaces one of the same name in place", () => {
    expect(changeServices(list, "add", "cache", now, { name: "cache", command: ["redis"] }).map((s) => s.name)).toEqual(["db", "web", "cache"]);
    expect(changeServices(list, "add", "db", now, { name: "db", command: ["pg2"] })[0]).toEqual({ name: "db", command: ["pg2"] });
  });
  it("stop sets stopped, start clears it, restart stamps restartedAt and starts it, remove drops it", () => {
    expect(changeServices(list, "stop", "db", now)[0]).toEqual({ name: "db", command: ["pg"], stopped: true });
    expect(changeServices(list, "start", "web", now)[1]).toEqual({ name: "web", command: ["srv"] });
    expect(changeServices(list, "restart", "web", now)[1]).toEqual({ name: "web", command: ["srv"], restartedAt: "2026-01-01T12:00:00Z" });
    expect(changeServices(list, "remove", "db", now)).toEqual([list[1]]);
  });
  it("an unknown service is an error that says where the Sprite's own are changed", () => {
    expect(() => changeServices(list, "stop", "nope", now)).toThrow(/no service "nope" in spec.services/);
  });
});

const sprite = (phase: "Active" | "Hibernating"): Sprite => ({
  apiVersion: "puck.sandwich.labs/v1alpha1",
  kind: "Sprite",
  metadata: { name: "dev", namespace: "lab" },
  spec: {
    image: "x",
    services: [
      { name: "web", command: ["python3", "-m", "http.server"], port: 8000 },
      { name: "crash", command: ["false"] },
      { name: "off", command: ["x"], stopped: true },
    ],
  },
  status: {
    phase,
    services: [
      { name: "web", state: "running", restarts: 0, since: "2026-01-01T11:58:00Z", source: "spec" },
      { name: "crash", state: "failed", restarts: 5, lastExit: 1, since: "2026-01-01T11:59:00Z", message: "exited 5 times", lastOutput: "boom\n", source: "spec" },
      { name: "mine", state: "running", source: "sprite" },
    ],
  },
});

describe("the services' rows, top's count and describe's section", () => {
  it("rows show each service's state, restarts, last exit, since and command; the Sprite's own come last", () => {
    expect(serviceRows(sprite("Active"), now)).toEqual([
      ["web", "running", "0", "-", "2m", ":8000 python3 -m http.server"],
      ["crash", "failed: exited 5 times", "5", "1", "60s", "false"],
      ["off", "stopped (by hand)", "0", "-", "-", "x"],
      ["mine", "running", "0", "-", "-", "(~/.puck/services.d)"],
    ]);
  });
  it("a hibernated Sprite's rows say the states are from before its hibernation", () => {
    expect(serviceRows(sprite("Hibernating"), now)[0]![1]).toBe("running (before hibernation)");
  });
  it("top counts running of declared, and the failed", () => {
    expect(serviceCount(sprite("Active"), true)).toBe("2/4 1 failed");
    expect(serviceCount(sprite("Hibernating"), false)).toBe("0/4");
    expect(serviceCount({ ...sprite("Active"), spec: { image: "x" }, status: {} }, true)).toBe("-");
  });
  it("describe lists the services and a failed one's last output", () => {
    const text = renderDescribe(sprite("Active"), [], now);
    expect(text).toMatch(/Services:\n\s+SERVICE\s+STATE/);
    expect(text).toContain("Last output of crash:\n    boom");
  });
});
