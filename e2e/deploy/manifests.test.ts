// The install manifests (deploy/, a kustomize base): least privilege by construction, and accepted
// by a real API server.
// @needs: cluster
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
      "ClusterRole/puck-gateway",
      "ClusterRole/puck-operator",
      "ClusterRoleBinding/puck-gateway",
      "ClusterRoleBinding/puck-operator",
      "CustomResourceDefinition/sprites.puck.sandwich.labs",
      "Deployment/puck-gateway",
      "Deployment/puck-operator",
      "Namespace/puck-system",
      "Role/puck-gateway-host-key",
      "Role/puck-gateway-user",
      "Role/puck-operator-leader-election",
      "RoleBinding/puck-gateway-host-key",
      "RoleBinding/puck-operator-leader-election",
      "Service/puck-gateway",
      "ServiceAccount/puck-gateway",
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
    // No cluster-wide Secret access; the gateway reads its host key Secret by name, in its namespace.
    const rules = ofKind("ClusterRole").flatMap((r) => (r.rules as Rule[]) ?? []);
    expect(rules.flatMap((r) => r.resources ?? [])).not.toContain("secrets");
    const secretRules = ofKind("Role").flatMap((r) => ((r.rules as (Rule & { resourceNames?: string[] })[]) ?? []).filter((rule) => rule.resources?.includes("secrets")));
    expect(secretRules).toEqual([
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["puck-gateway-host-key"], verbs: ["get"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
    ]);
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
    const [service] = ofKind("Service");
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
