// The release's parts that need no cluster: puck.yaml's rendering and pinning, the bundles' edits and
// loaders, the Mach-O signature, and the versions that must agree. e2e/release/ tests the folder.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../cli/version.js";
import { VERSION_LABEL as CLI_VERSION_LABEL } from "../../cli/skew.js";
import { buildNpmBundle, buildSeaBundle } from "./bundle.js";
import { adhocSign, verifyAdhoc } from "./macho-sign.js";
import { manifestText, pinRelease, releaseImages, renderKustomization, VERSION_LABEL } from "./manifest.js";

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: { image: string; args?: string[] }[] } } };
}
const containersOf = (objects: Obj[]) => objects.flatMap((o) => o.spec?.template?.spec?.containers ?? []);

describe("versions", () => {
  it("package.json, the CLI and deploy/operator.yaml's label say the same version", () => {
    expect(VERSION).toBe(pkg.version);
    const operator = parseAllDocuments(readFileSync("deploy/operator.yaml", "utf8")).map((d) => d.toJSON() as Obj).find((o) => o.kind === "Deployment")!;
    expect(operator.metadata.labels?.[VERSION_LABEL]).toBe(pkg.version);
    expect(CLI_VERSION_LABEL).toBe(VERSION_LABEL);
  });
});

describe("puck.yaml", () => {
  it("renders deploy/ as kustomize does: the namespace, the part-of label, the dev tags", async () => {
    const objects = (await renderKustomization("deploy")).map((d) => d.toJSON() as Obj);
    expect(objects[0]).toMatchObject({ kind: "Namespace", metadata: { name: "puck-system" } });
    expect(objects[1]).toMatchObject({ kind: "CustomResourceDefinition" });
    for (const o of objects) {
      expect(o.metadata.labels?.["app.kubernetes.io/part-of"], `${o.kind}/${o.metadata.name}`).toBe("puck");
      const clusterScoped = ["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"].includes(o.kind);
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(clusterScoped ? undefined : "puck-system");
    }
    expect(containersOf(objects).map((c) => c.image).sort()).toEqual(["puck-gateway:dev", "puck-operator:dev"]);
  });

  it("pins every image, the agent's, and the operator's version label", async () => {
    const docs = await renderKustomization("deploy");
    const images = releaseImages("registry.lan:5000/homelab/", "1.2.3");
    expect(images.sprite).toBe("registry.lan:5000/homelab/puck-sprite:1.2.3");
    pinRelease(docs, images, "1.2.3");
    const text = manifestText(docs, ["a header"]);
    expect(text.startsWith("# a header\n---\n")).toBe(true);
    const objects = parseAllDocuments(text).map((d) => d.toJSON() as Obj).filter(Boolean);
    expect(objects).toHaveLength(docs.length);
    const containers = containersOf(objects);
    expect(containers.map((c) => c.image).sort()).toEqual([images.gateway, images.operator]);
    expect(containers.flatMap((c) => c.args ?? [])).toContain(`--agent-image=${images.agent}`);
    expect(text).not.toMatch(/:dev\b/);
    const operator = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "puck-operator")!;
    expect(operator.metadata.labels?.[VERSION_LABEL]).toBe("1.2.3");
    // The comments of deploy/ stay, for whoever reads the manifest.
    expect(text).toContain("# The gateway: `ssh NAME@HOST -p 2222` reaches Sprite NAME");
  });

  it("refuses a kustomization field it does not render", async () => {
    const dir = mkdtempSync(join(tmpdir(), "puck-kustomize-"));
    writeFileSync(join(dir, "kustomization.yaml"), "resources: []\npatches: []\n");
    await expect(renderKustomization(dir)).rejects.toThrow(/patches/);
  });
});

describe("the CLI's release bundles", () => {
  const edits = { defaultImage: "registry.lan/puck-sprite:9.9.9" };

  it("load every lazily loaded dependency from inside, in both formats", async () => {
    const dir = mkdtempSync(join(tmpdir(), "puck-bundle-"));
    await buildSeaBundle(join(dir, "probe.cjs"), edits, "scripts/release/probe-lazy-deps.ts");
    await buildNpmBundle(join(dir, "npm"), edits, "scripts/release/probe-lazy-deps.ts");
    const want = { yaml: "a: 1", prompts: "function", exec: "function", handler: "function", ssh2: "function" };
    // Run from an empty folder: nothing may come from node_modules.
    for (const file of [join(dir, "probe.cjs"), join(dir, "npm", "puck-cli.js")]) {
      const { stdout } = await run(process.execPath, [file], { cwd: dir, env: { ...process.env, NODE_PATH: "" } });
      expect(JSON.parse(stdout), file).toEqual(want);
    }
  });

  it("pin the default Sprite image and run without node_modules", async () => {
    const dir = mkdtempSync(join(tmpdir(), "puck-bundle-"));
    await buildNpmBundle(join(dir, "npm"), edits);
    await buildSeaBundle(join(dir, "puck.cjs"), edits);
    for (const file of [join(dir, "npm", "puck-cli.js"), join(dir, "puck.cjs")]) {
      const { stdout } = await run(process.execPath, [file, "create", "dev", "--dry-run", "-o", "yaml", "-n", "lab"], { cwd: dir });
      expect(parse(stdout), file).toMatchObject({ kind: "Sprite", spec: { image: "registry.lan/puck-sprite:9.9.9" } });
    }
  });
});

describe("the CLI's release bundles against an API server", () => {
  it("list Sprites (the client's transport, loaded with import(), works in both formats)", async () => {
    const api = createServer((req, res) => {
      const found = (req.url ?? "").startsWith("/apis/puck.sandwich.labs/v1alpha1/namespaces/lab/sprites");
      res.writeHead(found ? 200 : 404, { "Content-Type": "application/json" });
      res.end(JSON.stringify(found ? { kind: "SpriteList", items: [], metadata: { resourceVersion: "1" } } : { kind: "Status", reason: "NotFound" }));
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    try {
      const dir = mkdtempSync(join(tmpdir(), "puck-bundle-"));
      const server = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
      const kubeconfig = join(dir, "kubeconfig");
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: "v1",
          clusters: [{ name: "c", cluster: { server } }],
          users: [{ name: "u", user: { token: "t" } }],
          contexts: [{ name: "c", context: { cluster: "c", user: "u", namespace: "lab" } }],
          "current-context": "c",
        }),
      );
      await buildNpmBundle(join(dir, "npm"), { defaultImage: "x" });
      await buildSeaBundle(join(dir, "puck.cjs"), { defaultImage: "x" });
      for (const file of [join(dir, "npm", "puck-cli.js"), join(dir, "puck.cjs")]) {
        const { stderr } = await run(process.execPath, [file, "list"], { cwd: dir, env: { ...process.env, KUBECONFIG: kubeconfig, XDG_CACHE_HOME: dir } });
        expect(stderr, file).toContain("No Sprites in namespace lab");
      }
    } finally {
      api.close();
    }
  });
});

/** A minimal thin arm64 Mach-O: a header, __TEXT with one section, __LINKEDIT to the end. */
function tinyMachO(): Buffer {
  const file = Buffer.alloc(3 * 4096 + 100);
  file.writeUInt32LE(0xfeedfacf, 0);
  file.writeUInt32LE(0x0100000c, 4); // arm64
  file.writeUInt32LE(2, 12); // MH_EXECUTE
  file.writeUInt32LE(2, 16); // ncmds
  const text = 32;
  const linkedit = text + 72 + 80;
  file.writeUInt32LE(linkedit + 72 - 32, 20); // sizeofcmds
  file.writeUInt32LE(0x19, text);
  file.writeUInt32LE(72 + 80, text + 4);
  file.write("__TEXT", text + 8, "latin1");
  file.writeBigUInt64LE(0x4000n, text + 32);
  file.writeBigUInt64LE(0n, text + 40);
  file.writeBigUInt64LE(8192n, text + 48);
  file.writeUInt32LE(1, text + 64);
  const section = text + 72;
  file.write("__text", section, "latin1");
  file.write("__TEXT", section + 16, "latin1");
  file.writeUInt32LE(4096, section + 48);
  file.writeUInt32LE(0x19, linkedit);
  file.writeUInt32LE(72, linkedit + 4);
  file.write("__LINKEDIT", linkedit + 8, "latin1");
  file.writeBigUInt64LE(0x4000n, linkedit + 32);
  file.writeBigUInt64LE(8192n, linkedit + 40);
  file.writeBigUInt64LE(BigInt(file.length - 8192), linkedit + 48);
  for (let i = 4096; i < file.length; i++) file[i] = i % 251;
  return file;
}

describe("macho-sign", () => {
  it("signs ad hoc: an LC_CODE_SIGNATURE at the end of __LINKEDIT, every page's hash right", () => {
    const unsigned = tinyMachO();
    const signed = adhocSign(unsigned, "puck");
    expect(signed.readUInt32LE(16)).toBe(3);
    expect(verifyAdhoc(signed)).toEqual({ id: "puck", pages: 4, codeLimit: 3 * 4096 + 112 });
    // __LINKEDIT grew to the end of the file.
    expect(Number(signed.readBigUInt64LE(32 + 152 + 48))).toBe(signed.length - 8192);
  });

  it("is caught by the check when a byte changes, and refuses a signed file", () => {
    const signed = adhocSign(tinyMachO(), "puck");
    const tampered = Buffer.from(signed);
    tampered[5000] = tampered[5000]! ^ 1;
    expect(() => verifyAdhoc(tampered)).toThrow(/page 1/);
    expect(() => adhocSign(signed, "puck")).toThrow(/signed already/);
  });
});
