import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { KubeClient } from "../kube/client.js";
import { httpError } from "../kube/errors.js";
import { parseVersion, readOperatorVersion, skewWarning } from "./skew.js";
import { captureIo } from "./test-io.js";

describe("parseVersion", () => {
  it("reads release versions, with or without v, pre-release or build", () => {
    expect(parseVersion("0.1.0")).toEqual({ major: 0, minor: 1, patch: 0 });
    expect(parseVersion("v1.32.4")).toEqual({ major: 1, minor: 32, patch: 4 });
    expect(parseVersion("2.0.0-rc.1+abc")).toEqual({ major: 2, minor: 0, patch: 0 });
  });
  it("takes dev builds and tags for no version", () => {
    for (const text of ["dev", "latest", "1.2", "", "1.2.3.4", "x1.2.3"]) expect(parseVersion(text), text).toBeUndefined();
  });
});

describe("skewWarning", () => {
  const warns = (cli: string, operator: string) => skewWarning(cli, operator) !== undefined;

  it("never warns for patch differences, nor for builds that are no version", () => {
    expect(warns("0.1.0", "0.1.7")).toBe(false);
    expect(warns("1.4.2", "1.4.0")).toBe(false);
    expect(warns("0.1.0", "dev")).toBe(false);
    expect(warns("dev", "0.9.0")).toBe(false);
  });

  it("before 1.0, warns for any minor difference (0.x minors may change the Sprite API)", () => {
    expect(warns("0.1.0", "0.2.0")).toBe(true);
    expect(warns("0.3.1", "0.2.9")).toBe(true);
  });

  it("from 1.0 on, allows one minor release either way, as kubectl", () => {
    expect(warns("1.4.0", "1.5.0")).toBe(false);
    expect(warns("1.5.0", "1.4.3")).toBe(false);
    expect(warns("1.4.0", "1.6.0")).toBe(true);
    expect(warns("1.6.0", "1.4.0")).toBe(true);
  });

  it("always warns across a major version", () => {
    expect(warns("1.0.0", "2.0.0")).toBe(true);
    expect(warns("1.0.0", "0.9.0")).toBe(true);
  });

  it("says which side to upgrade", () => {
    expect(skewWarning("0.2.0", "0.1.0")).toContain("upgrade Puck in the cluster");
    expect(skewWarning("0.1.0", "0.3.0")).toContain("install puck 0.3");
  });
});

/** A client whose one answer is the operator's Deployment (or the error given). */
function fakeClient(answer: unknown, server = "https://cluster.test:6443"): KubeClient & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    access: { server, namespace: "default", insecure: false },
    request: async (_verb: string, path: string) => {
      paths.push(path);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as KubeClient & { paths: string[] };
}

const deployment = (labels: Record<string, string>, image = "puck-operator:dev") => ({
  metadata: { name: "puck-operator", labels },
  spec: { template: { spec: { containers: [{ name: "operator", image }] } } },
});

describe("readOperatorVersion", () => {
  it("reads the version label of puck-system/puck-operator", async () => {
    const client = fakeClient(deployment({ "app.kubernetes.io/version": "0.4.1" }));
    expect(await readOperatorVersion(client)).toEqual({ version: "0.4.1" });
    expect(client.paths).toEqual(["/apis/apps/v1/namespaces/puck-system/deployments/puck-operator"]);
  });

  it("falls back to the image's tag when it is a version", async () => {
    expect(await readOperatorVersion(fakeClient(deployment({}, "registry.lan:5000/puck-operator:0.3.0")))).toEqual({ version: "0.3.0" });
    expect(await readOperatorVersion(fakeClient(deployment({}, "puck-operator:dev")))).toMatchObject({ unknown: expect.stringContaining("no version tag") });
  });

  it("says why it is unknown: no permission, not installed", async () => {
    const forbidden = httpError("GET deployment", 403, JSON.stringify({ kind: "Status", reason: "Forbidden", message: "forbidden" }));
    expect(await readOperatorVersion(fakeClient(forbidden))).toEqual({ unknown: "no permission to get deployment puck-operator in namespace puck-system" });
    const missing = httpError("GET deployment", 404, JSON.stringify({ kind: "Status", reason: "NotFound", message: "not found" }));
    expect(await readOperatorVersion(fakeClient(missing))).toEqual({ unknown: "not installed: no deployment puck-operator in namespace puck-system" });
  });
});

describe("checkSkew (once per command)", () => {
  let cacheHome: string;
  beforeEach(() => {
    vi.resetModules();
    cacheHome = mkdtempSync(join(tmpdir(), "puck-skew-"));
  });
  const fresh = async () => (await import("./skew.js")).checkSkew;
  const flush = () => new Promise((r) => setTimeout(r, 10));

  it("with no cache, asks in the background, warns nothing now, and keeps the answer", async () => {
    const checkSkew = await fresh();
    const io = captureIo({ env: { XDG_CACHE_HOME: cacheHome } });
    const client = fakeClient(deployment({ "app.kubernetes.io/version": "0.9.0" }));
    checkSkew(client, io, "0.1.0");
    await flush();
    expect(io.err()).toBe("");
    const cache = JSON.parse(readFileSync(join(cacheHome, "puck", "operator-version.json"), "utf8")) as Record<string, unknown>;
    expect(cache["https://cluster.test:6443"]).toMatchObject({ version: "0.9.0" });
  });

  it("warns from the cache at once, and only once per process", async () => {
    const first = await fresh();
    const io = captureIo({ env: { XDG_CACHE_HOME: cacheHome } });
    first(fakeClient(deployment({ "app.kubernetes.io/version": "0.9.0" })), io, "0.1.0");
    await flush();

    vi.resetModules();
    const second = await fresh();
    const client = fakeClient(new Error("must not be asked"));
    second(client, io, "0.1.0");
    second(client, io, "0.1.0");
    expect(client.paths).toEqual([]);
    expect(io.err().match(/warning:/g)).toHaveLength(1);
    expect(io.err()).toContain("puck 0.1.0 and the cluster's Puck operator 0.9.0 are too far apart");
  });

  it("asks again once the cache is 10 minutes old", async () => {
    const first = await fresh();
    first(fakeClient(deployment({ "app.kubernetes.io/version": "0.1.0" })), captureIo({ env: { XDG_CACHE_HOME: cacheHome } }), "0.1.0");
    await flush();
    vi.resetModules();
    const later = await fresh();
    const client = fakeClient(deployment({ "app.kubernetes.io/version": "0.1.0" }));
    later(client, captureIo({ env: { XDG_CACHE_HOME: cacheHome }, now: new Date(Date.parse("2026-01-01T12:00:00Z") + 11 * 60_000) }), "0.1.0");
    expect(client.paths).toHaveLength(1);
  });
});
