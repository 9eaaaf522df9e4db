// The install manifests (deploy/, a kustomize base): least privilege by construction, and accepted
// by a real API server.
// @needs: cluster
import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../lib/cluster.js";

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

let manifests: Manifest[] = [];
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);

beforeAll(async () => {
  const { stdout } = await kubectl(["kustomize", "deploy"]);
  manifests = parseAllDocuments(stdout).map((d) => d.toJSON() as Manifest);
});

describe("deploy/", () => {
  it("installs the namespace, the CRD, the operator, the SSH gateway and their RBAC", () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      "ClusterRole/puck-edit",
      "ClusterRole/puck-gateway",
      "ClusterRole/puck-operator",
      "ClusterRole/puck-view",
      "ClusterRoleBinding/puck-gateway",
      "ClusterRoleBinding/puck-operator",
      "ConfigMap/puck-urls",
      "CustomResourceDefinition/sprites.puck.sandwich.labs",
      "CustomResourceDefinition/spritetokens.puck.sandwich.labs",
      "Deployment/puck-gateway",
      "Deployment/puck-operator",
      "Namespace/puck-system",
      "Role/puck-gateway-host-key",
      "Role/puck-gateway-url-key",
      "Role/puck-gateway-user",
      "Role/puck-operator-leader-election",
      "RoleBinding/puck-gateway-host-key",
      "RoleBinding/puck-gateway-url-key",
      "RoleBinding/puck-operator-leader-election",
      "Service/puck-gateway",
      "Service/puck-gateway-http",
      "ServiceAccount/puck-gateway",
      "ServiceAccount/puck-operator",
    ]);
  });

  it("has no Ingress and no URL domain by default: URLs are off until deploy/urls is on", () => {
    expect(ofKind("Ingress")).toEqual([]);
    expect(ofKind("ConfigMap").find((c) => c.metadata.name === "puck-urls")).toMatchObject({ data: { domain: "", scheme: "http" } });
  });

  it("grants no wildcard and binds no built-in admin role", () => {
    for (const role of [...ofKind("ClusterRole"), ...ofKind("Role")]) {
      for (const rule of (role.rules as Rule[]) ?? []) {
        for (const field of [rule.apiGroups, rule.resources, rule.verbs]) {
          expect(field ?? [], `${role.kind}/${role.metadata.name} ${JSON.stringify(rule)}`).not.toContain("*");
        }
      }
    }
    for (const binding of [...ofKind("ClusterRoleBinding"), ...ofKind("RoleBinding")]) {
      const ref = binding.roleRef as { name: string };
      expect(["cluster-admin", "admin", "edit"]).not.toContain(ref.name);
    }
    // No cluster-wide Secret access; the gateway reads its host key Secret by name, in its namespace.
    const rules = ofKind("ClusterRole").flatMap((r) => (r.rules as Rule[]) ?? []);
    expect(rules.flatMap((r) => r.resources ?? [])).not.toContain("secrets");
    const secretRules = ofKind("Role").flatMap((r) => ((r.rules as (Rule & { resourceNames?: string[] })[]) ?? []).filter((rule) => rule.resources?.includes("secrets")));
    expect(secretRules).toEqual([
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["puck-gateway-host-key"], verbs: ["get"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["puck-gateway-url-key"], verbs: ["get"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
    ]);
  });

  it("lets the gateway read and consume SpriteTokens and patch a Sprite's status, and no more of either", () => {
    const rules = (ofKind("ClusterRole").find((r) => r.metadata.name === "puck-gateway")!.rules as Rule[]).filter((r) => r.apiGroups?.includes("puck.sandwich.labs"));
    expect(rules).toEqual([
      { apiGroups: ["puck.sandwich.labs"], resources: ["sprites"], verbs: ["get", "list", "watch", "patch"] },
      { apiGroups: ["puck.sandwich.labs"], resources: ["sprites/status"], verbs: ["patch"] },
      { apiGroups: ["puck.sandwich.labs"], resources: ["spritetokens"], verbs: ["get", "delete"] },
    ]);
  });

  it("adds Sprites and SpriteTokens to the built-in edit and admin roles, and Sprites alone to view", () => {
    const edit = ofKind("ClusterRole").find((r) => r.metadata.name === "puck-edit")!;
    expect(edit.metadata).toMatchObject({ labels: { "rbac.authorization.k8s.io/aggregate-to-edit": "true", "rbac.authorization.k8s.io/aggregate-to-admin": "true" } });
    expect((edit.rules as Rule[]).flatMap((r) => r.resources ?? []).sort()).toEqual(["sprites", "spritetokens"]);
    const view = ofKind("ClusterRole").find((r) => r.metadata.name === "puck-view")!;
    expect(view.metadata).toMatchObject({ labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } });
    expect(view.rules).toEqual([{ apiGroups: ["puck.sandwich.labs"], resources: ["sprites"], verbs: ["get", "list", "watch"] }]);
  });

  it("passes the URL setting to the operator and the gateway as flags, from the ConfigMap puck-urls", () => {
    for (const name of ["puck-operator", "puck-gateway"]) {
      const deployment = ofKind("Deployment").find((d) => d.metadata.name === name) as unknown as { spec: { template: { spec: { containers: { args: string[]; env: unknown[] }[] } } } };
      const container = deployment.spec.template.spec.containers[0]!;
      expect(container.args, name).toEqual(expect.arrayContaining(["--url-domain=$(PUCK_URL_DOMAIN)", "--url-scheme=$(PUCK_URL_SCHEME)"]));
      expect(container.env, name).toEqual([
        { name: "PUCK_URL_DOMAIN", valueFrom: { configMapKeyRef: { name: "puck-urls", key: "domain" } } },
        { name: "PUCK_URL_SCHEME", valueFrom: { configMapKeyRef: { name: "puck-urls", key: "scheme" } } },
      ]);
    }
    const gateway = ofKind("Deployment").find((d) => d.metadata.name === "puck-gateway") as unknown as { spec: { template: { spec: { containers: { args: string[]; ports: unknown[] }[] } } } };
    const container = gateway.spec.template.spec.containers[0]!;
    expect(container.args).toEqual(expect.arrayContaining(["--http-listen=0.0.0.0:8080", "--trust-forwarded-for"]));
    expect(container.ports).toContainEqual({ name: "http", containerPort: 8080 });
    expect(ofKind("Service").find((s) => s.metadata.name === "puck-gateway-http")).toMatchObject({ spec: { type: "ClusterIP", ports: [{ name: "http", port: 80, targetPort: "http" }] } });
  });

  it("lets SSH users read the gateway's Service by name and port-forward, never exec or read Secrets", () => {
    const role = ofKind("Role").find((r) => r.metadata.name === "puck-gateway-user")!;
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["services"], resourceNames: ["puck-gateway"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
      { apiGroups: [""], resources: ["pods/portforward"], verbs: ["create", "get"] },
    ]);
  });

  it("runs the operator non-root, read-only, without capabilities, with probes and resources", () => {
    const deployment = ofKind("Deployment").find((d) => d.metadata.name === "puck-operator");
    const pod = (deployment as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    const container = (pod.containers as Record<string, unknown>[])[0]!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container).toHaveProperty("readinessProbe.httpGet.path", "/readyz");
    expect(container).toHaveProperty("livenessProbe.httpGet.path", "/healthz");
    expect(container).toHaveProperty("resources.limits.memory");
    expect(container.args).toContain("--leader-elect=true");
  });

  it("runs the gateway non-root, read-only, without capabilities, behind a LoadBalancer off port 22", () => {
    const deployment = ofKind("Deployment").find((d) => d.metadata.name === "puck-gateway");
    const pod = (deployment as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    const container = (pod.containers as Record<string, unknown>[])[0]!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(container).toHaveProperty("resources.limits.memory");
    const service = ofKind("Service").find((s) => s.metadata.name === "puck-gateway");
    expect(service).toMatchObject({ spec: { type: "LoadBalancer", ports: [{ port: 2222 }] } });
  });

  it("passes a server-side dry run on the cluster", async () => {
    // Namespaced objects can only be dry-run into a namespace that exists.
    await kubectl(["apply", "--server-side", "-f", "deploy/namespace.yaml"]);
    const { stdout } = await kubectl(["apply", "--server-side", "--force-conflicts", "--dry-run=server", "-k", "deploy"]);
    expect(stdout).toContain("deployment.apps/puck-operator serverside-applied (server dry run)");
    expect(stdout).toContain("clusterrole.rbac.authorization.k8s.io/puck-operator serverside-applied (server dry run)");
  });
});

describe("deploy/urls (the component that turns URLs on)", () => {
  /** deploy/ copied with the component listed and its patches edited as docs/install.md says. */
  async function rendered(edit: (component: string) => string): Promise<Manifest[]> {
    const dir = mkdtempSync(join(tmpdir(), "puck-deploy-"));
    cpSync("deploy", dir, { recursive: true });
    appendFileSync(join(dir, "kustomization.yaml"), "components:\n  - urls\n");
    const file = join(dir, "urls", "kustomization.yaml");
    writeFileSync(file, edit(readFileSync(file, "utf8")));
    const { stdout } = await kubectl(["kustomize", dir]);
    return parseAllDocuments(stdout).map((d) => d.toJSON() as Manifest);
  }
  const setDomain = (text: string, domain: string) => text.replace("value: sprites.test }", `value: ${domain} }`);

  it("makes the Ingress puck-urls for *.DOMAIN from the one domain the ConfigMap holds, for the default class", async () => {
    const docs = await rendered((text) => setDomain(text, "sprites.home.example"));
    expect(docs.find((d) => d.kind === "ConfigMap")).toMatchObject({ metadata: { name: "puck-urls", namespace: "puck-system" }, data: { domain: "sprites.home.example", scheme: "http" } });
    const ingress = docs.find((d) => d.kind === "Ingress") as Manifest & { spec: Record<string, unknown> };
    expect(ingress.metadata).toMatchObject({ name: "puck-urls", namespace: "puck-system" });
    expect(ingress.spec).toEqual({
      rules: [{ host: "*.sprites.home.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "puck-gateway-http", port: { name: "http" } } } }] } }],
    });
  });

  it("takes a TLS Secret when its patch is uncommented", async () => {
    const docs = await rendered((text) =>
      setDomain(text, "s.example.org")
        .replace("value: http }", "value: https }")
        .replace(/^ {2}# (- target: \{ kind: Ingress)/m, "  $1")
        .replace(/^ {2}# {3}(patch: \|-)\n {2}# {5}/m, "    $1\n      "),
    );
    expect(docs.find((d) => d.kind === "ConfigMap")).toMatchObject({ data: { domain: "s.example.org", scheme: "https" } });
    expect(docs.find((d) => d.kind === "Ingress")).toMatchObject({ spec: { rules: [{ host: "*.s.example.org" }], tls: [{ secretName: "puck-urls-tls" }] } });
  });

  it("is what the local cluster installs (e2e/cluster/puck-urls): sprites.test, plain HTTP", async () => {
    const { stdout } = await kubectl(["kustomize", "e2e/cluster/puck-urls"]);
    const docs = parseAllDocuments(stdout).map((d) => d.toJSON() as Manifest & { spec?: { rules?: { host: string }[] }; data?: unknown });
    expect(docs.find((d) => d.kind === "ConfigMap")?.data).toEqual({ domain: "sprites.test", scheme: "http" });
    expect(docs.find((d) => d.kind === "Ingress")?.spec?.rules?.[0]?.host).toBe("*.sprites.test");
  });

  it("passes a server-side dry run on the cluster", async () => {
    await kubectl(["apply", "--server-side", "-f", "deploy/namespace.yaml"]);
    const { stdout } = await kubectl(["apply", "--server-side", "--force-conflicts", "--dry-run=server", "-k", "e2e/cluster/puck-urls"]);
    expect(stdout).toContain("ingress.networking.k8s.io/puck-urls serverside-applied (server dry run)");
    expect(stdout).toContain("configmap/puck-urls serverside-applied (server dry run)");
  });
});
