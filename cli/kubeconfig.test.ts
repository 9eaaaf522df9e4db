import { describe, expect, it } from "vitest";
import { PuckError } from "./errors.js";
import { kubeconfigFiles, resolveAccess, type KubeconfigDoc } from "./kubeconfig.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const main: KubeconfigDoc = {
  path: "/home/u/.kube/config",
  doc: {
    "current-context": "lab",
    clusters: [
      { name: "lab", cluster: { server: "https://10.0.0.1:6443/", "certificate-authority-data": b64("CA") } },
      { name: "other", cluster: { server: "https://other:6443", "certificate-authority": "certs/ca.pem", "insecure-skip-tls-verify": true } },
    ],
    users: [
      { name: "admin", user: { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") } },
      { name: "bot", user: { token: "t0k3n" } },
      { name: "sso", user: { exec: { command: "login-helper", args: ["token"], apiVersion: "client.authentication.k8s.io/v1" } } },
      { name: "old", user: { "auth-provider": { name: "gcp" } } },
    ],
    contexts: [
      { name: "lab", context: { cluster: "lab", user: "admin" } },
      { name: "team", context: { cluster: "other", user: "bot", namespace: "team-a" } },
      { name: "sso", context: { cluster: "lab", user: "sso" } },
      { name: "old", context: { cluster: "lab", user: "old" } },
      { name: "broken", context: { cluster: "missing", user: "bot" } },
    ],
  },
};
const files: Record<string, string> = { "/home/u/.kube/certs/ca.pem": "FILE-CA" };
const read = (p: string) => {
  if (p in files) return files[p]!;
  throw new Error(`ENOENT ${p}`);
};

describe("resolveAccess", () => {
  it("uses the current context, inline client certificates and namespace default", () => {
    const a = resolveAccess([main], {}, read);
    expect(a).toMatchObject({ server: "https://10.0.0.1:6443", context: "lab", namespace: "default", ca: "CA", cert: "CERT", key: "KEY", insecure: false });
  });
  it("--context picks another context; its namespace and token apply; files resolve beside the kubeconfig", () => {
    const a = resolveAccess([main], { context: "team" }, read);
    expect(a).toMatchObject({ server: "https://other:6443", namespace: "team-a", token: "t0k3n", ca: "FILE-CA", insecure: true });
  });
  it("-n wins over the context's namespace", () => {
    expect(resolveAccess([main], { context: "team", namespace: "mine" }, read).namespace).toBe("mine");
  });
  it("an exec plugin is carried for the client to run", () => {
    expect(resolveAccess([main], { context: "sso" }, read).exec).toEqual({ command: "login-helper", args: ["token"], env: [], apiVersion: "client.authentication.k8s.io/v1" });
  });
  it("the first file that defines a name wins, as in kubectl", () => {
    const override: KubeconfigDoc = { path: "/tmp/first", doc: { clusters: [{ name: "lab", cluster: { server: "https://first:6443" } }] } };
    expect(resolveAccess([override, main], {}, read).server).toBe("https://first:6443");
  });
  it.each([
    ["an unknown context", { context: "nope" }, /context "nope" not found/],
    ["a context whose cluster is missing", { context: "broken" }, /cluster "missing" .* has no server/],
    ["an auth-provider user", { context: "old" }, /auth-provider/],
  ])("refuses %s with a one-line error", (_name, selection, message) => {
    expect(() => resolveAccess([main], selection, read)).toThrow(PuckError);
    expect(() => resolveAccess([main], selection, read)).toThrow(message);
  });
  it("no kubeconfig at all says how to point at one", () => {
    expect(() => resolveAccess([], {}, read)).toThrow(/no kubeconfig found/);
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
    ["JSON kubeconfigs", '{"apiVersion":"v1","current-context":"a"}', { apiVersion: "v1", "current-context": "a" }],
    ["plain YAML through the fast parser", "apiVersion: v1\ncurrent-context: a\n", { apiVersion: "v1", "current-context": "a" }],
    ["YAML beyond the fast parser through the full library", "a: &x 1\nb: *x\n", { a: 1, b: 1 }],
  ])("reads %s", async (_name, text, expected) => {
    const { parseKubeconfigText } = await import("./kubeconfig.js");
    expect(await parseKubeconfigText(text)).toEqual(expected);
  });
});
