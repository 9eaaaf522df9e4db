// In-cluster access: the service's address from the environment, the mounted CA and namespace, the token as a file.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccessError } from "./access.js";
import { inClusterAccess } from "./in-cluster.js";

const mounted = () => {
  const dir = mkdtempSync(join(tmpdir(), "kube-sa-"));
  writeFileSync(join(dir, "namespace"), "team\n");
  writeFileSync(join(dir, "ca.crt"), "CA");
  writeFileSync(join(dir, "token"), "T");
  return dir;
};

describe("inClusterAccess", () => {
  it("uses the service address, the mounted CA and namespace, and names the token file for re-reading", () => {
    const dir = mounted();
    expect(inClusterAccess({ KUBERNETES_SERVICE_HOST: "10.43.0.1", KUBERNETES_SERVICE_PORT: "443" }, dir)).toEqual({
      server: "https://10.43.0.1:443",
      namespace: "team",
      ca: "CA",
      insecure: false,
      tokenFile: join(dir, "token"),
    });
  });
  it("brackets an IPv6 service address", () => {
    expect(inClusterAccess({ KUBERNETES_SERVICE_HOST: "fd00::1" }, mounted()).server).toBe("https://[fd00::1]:443");
  });
  it("outside a pod says how to run elsewhere", () => {
    expect(() => inClusterAccess({}, mounted())).toThrow(AccessError);
    expect(() => inClusterAccess({}, mounted())).toThrow(/KUBERNETES_SERVICE_HOST/);
  });
});
