// The kubeconfig fast path answers only where `yaml` would answer the same, checked over generated
// kubeconfig-shaped documents with scalars chosen to be awkward, and over kubectl's own layout.
import { describe, expect, it } from "vitest";
import { Document, isPair, isScalar, parse, visit, type YAMLMap, type YAMLSeq } from "yaml";
import { parsePlainYaml } from "./plain-yaml.js";

const KUBECTL_WRITTEN = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://127.0.0.1:6443
  name: puck-e2e
contexts:
- context:
    cluster: puck-e2e
    namespace: default
    user: puck-e2e-admin
  name: puck-e2e
current-context: puck-e2e
kind: Config
preferences: {}
users:
- name: puck-e2e-admin
  user:
    client-certificate-data: LS0tLS1CRUdJTi==
    insecure-skip-tls-verify: true
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - get-token
      - --cluster
      command: aws
      env: null
`;

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return { next, pick };
}

// Scalars a kubeconfig may hold, and the ones a subset parser gets wrong.
const AWKWARD = [
  "1e3", "0x1F", "+1", "012", "2.", ".5", "-", "- x", "~", "null", "Null", "true", "False", "yes", "no", "on", "0o17",
  ".inf", "-.inf", ".NaN", "a: b", "a #b", "a#b", "#x", "'q'", '"q"', "x'y", 'x"y', "back\\slash", "{}", "[]", "{a: 1}",
  "&anchor", "*alias", "!tag", "|", ">", "%p", "@at", "`tick", "tab\there", " lead", "trail ", "", "é日本🦊",
  "https://10.0.0.1:6443/path?x=1", "LS0tLS1CRUdJTiBDRVJU+/==", "dev-ctx", "a:b", "a,b", "[x", "x]", "key:",
] as const;

function generated(seed: number): unknown {
  const r = random(seed);
  const value = (): unknown => {
    const roll = r.next();
    if (roll < 0.5) return r.pick(AWKWARD);
    if (roll < 0.6) return r.pick([true, false, null, 0, 12, 1.5]);
    if (roll < 0.7) return Array.from({ length: Math.floor(r.next() * 3) }, () => r.pick(AWKWARD));
    return `name-${Math.floor(r.next() * 1000)}`;
  };
  const named = (kind: string) => ({ name: value(), [kind]: { server: value(), token: value(), "insecure-skip-tls-verify": value(), extra: { nested: value() } } });
  return {
    apiVersion: "v1",
    "current-context": value(),
    clusters: Array.from({ length: 1 + Math.floor(r.next() * 3) }, () => named("cluster")),
    users: Array.from({ length: Math.floor(r.next() * 3) }, () => named("user")),
    contexts: [named("context")],
    preferences: r.pick([{}, { colors: value() }]),
  };
}

/** The document as YAML text; with flowLeaves, some maps and lists of scalars written on one line. */
function written(doc: unknown, options: { indentSeq?: boolean; flowLeaves?: number }): string {
  const yamlDoc = new Document(doc);
  if (options.flowLeaves !== undefined) {
    const r = random(options.flowLeaves * 7919);
    const leaf = (node: YAMLMap | YAMLSeq) =>
      (node.items as unknown[]).every((item) => isScalar(isPair(item) ? item.value : item));
    visit(yamlDoc, {
      Map: (_key, node) => void (leaf(node) && r.next() < 0.6 && (node.flow = true)),
      Seq: (_key, node) => void (leaf(node) && r.next() < 0.6 && (node.flow = true)),
    });
  }
  return yamlDoc.toString(options.indentSeq === undefined ? {} : { indentSeq: options.indentSeq });
}

describe("parsePlainYaml", () => {
  it("reads a hand-written kubeconfig's one-line flow map as yaml does", () => {
    const text = "contexts:\n- name: lab\n  context: { cluster: lab, user: me, namespace: default }\n  tags: [a, b-c, 'x']\n";
    // As e2e/cluster writes its kubeconfig.
    const ours = "contexts:\n- name: puck-e2e\n  context: { cluster: puck-e2e, user: puck-e2e-admin, namespace: default }\nb: [x, y]\n";
    expect(parsePlainYaml(ours)).not.toBeUndefined();
    expect(parsePlainYaml(ours)).toEqual(parse(ours));
    expect(parsePlainYaml(text)).toBeUndefined(); // the quoted 'x' in a flow list is left to yaml
  });

  it("reads a kubeconfig as kubectl writes it, exactly as yaml does", () => {
    const fast = parsePlainYaml(KUBECTL_WRITTEN);
    expect(fast).not.toBeUndefined();
    expect(fast).toEqual(parse(KUBECTL_WRITTEN));
  });

  it.each([
    ["a number in YAML 1.2 forms", "a: 1e3\n"],
    ["hex", "a: 0x1F\n"],
    ["a signed number", "a: +1\n"],
    ["a leading zero", "a: 012\n"],
    ["a trailing dot", "a: 2.\n"],
    ["a lone dash", "x: -\n"],
    ["an anchor", "a: &x 1\nb: *x\n"],
    ["a nested flow map", "a: {b: {c: d}}\n"],
    ["a flow map with a quoted value", "a: {b: 'c'}\n"],
    ["a flow map with a trailing comma", "a: {b: c,}\n"],
    ["a block scalar", "a: |\n  text\n"],
    ["a comment after a value", "a: b # c\n"],
    ["a multi-line plain scalar", "a: b\n  c\n"],
    ["a duplicate key", "a: b\na: c\n"],
    ["a document marker", "---\na: b\n"],
    ["an escape in double quotes", 'a: "b\\n"\n'],
  ])("leaves %s to yaml", (_name, text) => expect(parsePlainYaml(text)).toBeUndefined());

  it("answers as yaml does, or not at all, over 4500 generated kubeconfig-shaped documents", () => {
    let answered = 0;
    let answeredFlow = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const doc = generated(seed);
      // kubectl puts a key's list at the key's own indent (indentSeq: false); yaml indents it by default;
      // people write small maps and lists on one line.
      for (const text of [written(doc, {}), written(doc, { indentSeq: false }), written(doc, { flowLeaves: seed })]) {
        const fast = parsePlainYaml(text);
        if (fast === undefined) continue;
        answered += 1;
        if (/[{[] \S/.test(text)) answeredFlow += 1;
        expect(fast, `seed ${seed}:\n${text}`).toEqual(parse(text));
      }
    }
    // The fast path must be taken often enough to matter, or the test proves little.
    expect(answered).toBeGreaterThan(600);
    expect(answeredFlow).toBeGreaterThan(30);
  });
});
