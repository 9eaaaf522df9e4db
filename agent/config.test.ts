import { describe, expect, it } from "vitest";
import { readConfig } from "./config.js";

const pod = { SPRITE_NAME: "dev", SPRITE_NAMESPACE: "team", POD_NAME: "dev-0", KUBERNETES_SERVICE_HOST: "10.43.0.1", KUBERNETES_SERVICE_PORT: "443" };

describe("readConfig", () => {
  it("in a pod, reaches the API through the service account (no server named)", () => {
    expect(readConfig(pod)).toMatchObject({
      spriteName: "dev",
      namespace: "team",
      podName: "dev-0",
      homeDir: "/home/sprite",
      api: {},
      sessionParentPid: 0,
      excludeOwnCgroup: true,
      scanIntervalMs: 1000,
      heartbeatMs: 60_000,
    });
  });

  it("on a host, uses PUCK_API_URL", () => {
    expect(readConfig({ SPRITE_NAME: "a", SPRITE_NAMESPACE: "b", PUCK_API_URL: "http://127.0.0.1:8001", PUCK_API_CA_FILE: "/ca.pem" }).api).toEqual({ server: "http://127.0.0.1:8001", caFile: "/ca.pem" });
  });

  const bad: { name: string; env: Record<string, string>; message: RegExp }[] = [
    { name: "a missing Sprite name and namespace are both reported", env: { KUBERNETES_SERVICE_HOST: "x" }, message: /SPRITE_NAME is not set.*SPRITE_NAMESPACE is not set/ },
    { name: "no way to the API server is reported with the fix", env: { SPRITE_NAME: "a", SPRITE_NAMESPACE: "b" }, message: /set PUCK_API_URL/ },
    { name: "a non-numeric interval names the variable and value", env: { ...pod, PUCK_SCAN_INTERVAL_MS: "fast" }, message: /PUCK_SCAN_INTERVAL_MS="fast" is not an integer/ },
    { name: "a URL without a scheme is reported", env: { ...pod, PUCK_API_URL: "localhost:8001" }, message: /must start with http/ },
    { name: "an unknown log level is reported", env: { ...pod, PUCK_LOG_LEVEL: "loud" }, message: /PUCK_LOG_LEVEL="loud"/ },
  ];
  for (const c of bad) it(c.name, () => expect(() => readConfig(c.env)).toThrow(c.message));
});
