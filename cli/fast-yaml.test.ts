import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FastYamlUnsupported, parseFastYaml } from "./fast-yaml.js";

// Each sample must parse exactly as the full YAML library parses it.
const samples: [string, string][] = [
  [
    "kubectl's own style (lists at the key's indentation)",
    `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTi==
    server: https://10.0.0.1:6443
  name: lab
contexts:
- context:
    cluster: lab
    namespace: team-a
    user: admin
  name: lab
current-context: lab
kind: Config
preferences: {}
users:
- name: admin
  user:
    client-certificate-data: QUJD
    client-key-data: REVG
`,
  ],
  [
    "indented lists, flow maps, comments and quotes",
    `# written by hand
apiVersion: v1
kind: Config
clusters:
  - name: "home lab"   # quoted name
    cluster:
      server: 'https://k3s.local:6443'
      insecure-skip-tls-verify: true
contexts:
  - name: home
    context: { cluster: "home lab", user: me, namespace: default }
current-context: home
users:
  - name: me
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: kubelogin
        args: ["get-token", "--server-id", abc]
        env:
          - name: FOO
            value: "a # not a comment"
        interactiveMode: Never
      token:
`,
  ],
  ["numbers, nulls and booleans", "a: 1\nb: -2.5\nc: ~\nd: null\ne: false\nf: 0\ng: 1.2.3\n"],
];

describe("parseFastYaml", () => {
  it.each(samples)("parses %s exactly as the yaml library does", (_name, text) => {
    expect(parseFastYaml(text)).toEqual(parse(text));
  });

  it.each([
    ["block scalars", "a: |\n  text\n"],
    ["anchors", "a: &x 1\nb: *x\n"],
    ["multi-line flow maps", "a: {\n  b: 1 }\n"],
    ["nested flow collections", "a: [[1]]\n"],
    ["several documents", "a: 1\n---\nb: 2\n"],
    ["multi-line plain scalars", "a: one\n  two\n"],
    ["tags", "a: !!str 1\n"],
  ])("refuses %s rather than guess", (_name, text) => {
    expect(() => parseFastYaml(text)).toThrow(FastYamlUnsupported);
  });
});
