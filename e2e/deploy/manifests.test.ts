// The install manifests (deploy/, a kustomize base): least privilege by construction, and accepted
// by a real API server.
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
  it("installs the namespace, the CRD, the operator and its RBAC", () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      "ClusterRole/puck-operator",
      "ClusterRoleBinding/puck-operator",
      "CustomResourceDefinition/sprites.puck.sandwich.labs",
      "Deployment/puck-operator",
      "Namespace/puck-system",
      "Role/puck-operator-leader-election",
      "RoleBinding/puck-operator-leader-election",
      "ServiceAccount/puck-operator",
    ]);
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
    // Secrets are never readable by the operator.
    const rules = ofKind("ClusterRole").flatMap((r) => (r.rules as Rule[]) ?? []);
    expect(rules.flatMap((r) => r.resources ?? [])).not.toContain("secrets");
  });

  it("runs the operator non-root, read-only, without capabilities, with probes and resources", () => {
    const [deployment] = ofKind("Deployment");
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

  it("passes a server-side dry run on the cluster", async () => {
    // Namespaced objects can only be dry-run into a namespace that exists.
    await kubectl(["apply", "--server-side", "-f", "deploy/namespace.yaml"]);
    const { stdout } = await kubectl(["apply", "--server-side", "--force-conflicts", "--dry-run=server", "-k", "deploy"]);
    expect(stdout).toContain("deployment.apps/puck-operator serverside-applied (server dry run)");
    expect(stdout).toContain("clusterrole.rbac.authorization.k8s.io/puck-operator serverside-applied (server dry run)");
  });
});
