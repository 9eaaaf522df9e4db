// kubectl's rules for kubeconfigs: which files, which context, and what each entry resolves to.
import { describe, expect, it } from "vitest";
import { AccessError } from "./access.js";
import { kubeconfigFiles, parseKubeconfigText, resolveKubeconfig, type KubeconfigDoc } from "./kubeconfig.js";

const loadYaml = () => import("yaml");
const b64 = (s: string) => Buffer.from(s).toString("base64");
const main: KubeconfigDoc = {
  path: "/home/u/.kube/config",
  doc: {
    "current-context": "lab",
    clusters: [
      { name: "lab", cluster: { server: "https://10.0.0.1:6443/", "certificate-authority-data": b64("CA") } },
      { name: "other", cluster: { server: "https://other:6443", "certificate-authority": "certs/ca.pem", "insecure-skip-tls-verify": true, "tls-server-name": "api.lab" } },
    ],
    users: [
      { name: "admin", user: { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") } },
      { name: "files", user: { "client-certificate": "certs/me.crt", "client-key": "/abs/me.key" } },
      { name: "bot", user: { token: "t0k3n" } },
      { name: "rotating", user: { tokenFile: "tokens/bot" } },
      { name: "sso", user: { exec: { command: "login-helper", args: ["token"], env: [{ name: "A", value: "1" }], apiVersion: "client.authentication.k8s.io/v1" } } },
      { name: "old", user: { "auth-provider": { name: "gcp" } } },
    ],
    contexts: [
      { name: "lab", context: { cluster: "lab", user: "admin" } },
      { name: "team", context: { cluster: "other", user: "bot", namespace: "team-a" } },
      { name: "files", context: { cluster: "lab", user: "files" } },
      { name: "rotating", context: { cluster: "lab", user: "rotating" } },
      { name: "sso", context: { cluster: "lab", user: "sso" } },
      { name: "old", context: { cluster: "lab", user: "old" } },
      { name: "broken", context: { cluster: "missing", user: "bot" } },
    ],
  },
};
const files: Record<string, string> = { "/home/u/.kube/certs/ca.pem": "FILE-CA", "/home/u/.kube/certs/me.crt": "FILE-CERT", "/abs/me.key": "FILE-KEY" };
const read = (p: string) => {
  if (p in files) return files[p]!;
  throw new Error(`ENOENT ${p}`);
};

describe("resolveKubeconfig", () => {
  it.each([
    ["the current context with inline client certificates; namespace defaults", {}, { server: "https://10.0.0.1:6443", context: "lab", namespace: "default", ca: "CA", cert: "CERT", key: "KEY", insecure: false }],
    ["--context picks another; its namespace, token, CA file, insecure flag and TLS name apply", { context: "team" }, { server: "https://other:6443", namespace: "team-a", token: "t0k3n", ca: "FILE-CA", insecure: true, tlsServerName: "api.lab" }],
    ["-n wins over the context's namespace", { context: "team", namespace: "mine" }, { namespace: "mine" }],
    ["certificate files resolve beside the kubeconfig, absolute ones as they are", { context: "files" }, { cert: "FILE-CERT", key: "FILE-KEY" }],
    ["a tokenFile is kept as a path beside the kubeconfig, read at each request", { context: "rotating" }, { tokenFile: "/home/u/.kube/tokens/bot" }],
    [
      "an exec plugin is carried for the client to run",
      { context: "sso" },
      { exec: { command: "login-helper", args: ["token"], env: [{ name: "A", value: "1" }], apiVersion: "client.authentication.k8s.io/v1", baseDir: "/home/u/.kube" } },
    ],
  ])("%s", (_name, selection, want) => {
    expect(resolveKubeconfig([main], selection, read)).toMatchObject(want);
  });
  it("the first file that defines a name wins, as in kubectl", () => {
    const override: KubeconfigDoc = { path: "/tmp/first", doc: { clusters: [{ name: "lab", cluster: { server: "https://first:6443" } }] } };
    expect(resolveKubeconfig([override, main], {}, read).server).toBe("https://first:6443");
  });
  it("the current-context comes from the first file that sets one", () => {
    const first: KubeconfigDoc = { path: "/tmp/first", doc: { "current-context": "team" } };
    expect(resolveKubeconfig([first, main], {}, read).context).toBe("team");
  });
  it.each([
    ["an unknown context", { context: "nope" }, /context "nope" not found/, true],
    ["a context whose cluster is missing", { context: "broken" }, /cluster "missing" .* has no server/, false],
    ["an auth-provider user", { context: "old" }, /auth-provider/, false],
  ])("refuses %s with a one-line error and a hint", (_name, selection, message, usage) => {
    const attempt = () => resolveKubeconfig([main], selection, read);
    expect(attempt).toThrow(AccessError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as AccessError).usage).toBe(usage);
      expect((error as AccessError).hint).not.toBe("");
    }
  });
  it("an unreadable certificate file names the file", () => {
    const missing: KubeconfigDoc = { path: "/k/config", doc: { "current-context": "c", clusters: [{ name: "c", cluster: { server: "https://x", "certificate-authority": "nope.pem" } }], contexts: [{ name: "c", context: { cluster: "c" } }] } };
    expect(() => resolveKubeconfig([missing], {}, read)).toThrow(/cannot read certificate-authority \/k\/nope.pem/);
  });
  it("no kubeconfig at all says how to point at one", () => {
    expect(() => resolveKubeconfig([], {}, read)).toThrow(/no kubeconfig found/);
  });
});

describe("kubeconfigFiles", () => {
  it.each([
    ["--kubeconfig wins", { kubeconfig: "/a" }, { KUBECONFIG: "/b:/c" }, ["/a"]],
    ["KUBECONFIG is colon-separated, empty parts skipped", {}, { KUBECONFIG: "/b::/c" }, ["/b", "/c"]],
    ["else ~/.kube/config", {}, { HOME: "/home/u" }, ["/home/u/.kube/config"]],
  ])("%s", (_name, selection, env, expected) => {
    expect(kubeconfigFiles(selection, env)).toEqual(expected);
  });
});

describe("parseKubeconfigText", () => {
  it.each([
    ["JSON", '{"apiVersion":"v1","current-context":"a"}', { apiVersion: "v1", "current-context": "a" }],
    ["plain YAML", "apiVersion: v1\ncurrent-context: a\n", { apiVersion: "v1", "current-context": "a" }],
    ["anchors and aliases", "a: &x 1\nb: *x\n", { a: 1, b: 1 }],
    // YAML 1.2 core schema, as kubectl (sigs.k8s.io/yaml) reads them: the cases a subset parser got wrong.
    ["numbers in YAML 1.2 forms", "a: 1e3\nb: 0x1F\nc: +1\nd: 012\ne: 2.\n", { a: 1000, b: 31, c: 1, d: 12, e: 2 }],
    ["quoted numbers stay strings", "a: '012'\nb: \"1e3\"\n", { a: "012", b: "1e3" }],
  ])("reads %s", async (_name, text, expected) => {
    expect(await parseKubeconfigText(text, loadYaml)).toEqual(expected);
  });
  it("rejects what YAML rejects", async () => {
    await expect(parseKubeconfigText("a: b: c\n", loadYaml)).rejects.toThrow();
  });
});
