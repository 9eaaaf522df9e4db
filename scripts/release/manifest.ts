// puck.yaml: the install as one static manifest, rendered from deploy/ as `kubectl kustomize deploy`
// renders it (without kubectl, and without a cluster), then its images pinned to the release's.
// Only what deploy/kustomization.yaml uses is implemented — namespace, labels without selectors, and
// images — and anything else in it is refused, so that a new kustomize feature there cannot be
// silently left out of the release. e2e/release/release.test.ts compares the two renderings.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isMap, isSeq, parse, parseAllDocuments, type Document, type YAMLMap, type YAMLSeq } from "yaml";

/** The four images of a release, each a full name with its tag. */
export interface ReleaseImages {
  operator: string;
  gateway: string;
  agent: string;
  sprite: string;
}

/** Images named `REGISTRY/puck-NAME:VERSION`. A k3s node imports an archive's images as docker.io/library/NAME:TAG. */
export function releaseImages(registry: string, version: string): ReleaseImages {
  const prefix = registry.replace(/\/+$/, "");
  const name = (image: string) => `${prefix}/puck-${image}:${version}`;
  return { operator: name("operator"), gateway: name("gateway"), agent: name("agent"), sprite: name("sprite") };
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
}

const KNOWN_FIELDS = new Set(["apiVersion", "kind", "namespace", "labels", "resources", "images"]);

/** Kinds without a namespace, among those a Puck install holds. */
const CLUSTER_SCOPED = new Set(["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "PriorityClass"]);

/** kustomize's default ("legacy") output order: these kinds first, in this order, the rest after. */
const ORDER_FIRST = [
  "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole",
  "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
  "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
];
const ORDER_LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];
const rank = (kind: string) => {
  const first = ORDER_FIRST.indexOf(kind);
  if (first >= 0) return first;
  const last = ORDER_LAST.indexOf(kind);
  return last >= 0 ? 1000 + last : 500;
};

const str = (doc: Document, path: string[]) => {
  const value = doc.getIn(path);
  return typeof value === "string" ? value : "";
};

/** Every container list of a workload's pod template (Deployments, StatefulSets, DaemonSets, Jobs). */
function containerLists(doc: Document): YAMLSeq[] {
  const lists: YAMLSeq[] = [];
  for (const field of ["containers", "initContainers"]) {
    const list = doc.getIn(["spec", "template", "spec", field]);
    if (isSeq(list)) lists.push(list);
  }
  return lists;
}

/** kustomize's image matching: the name without tag or digest. */
const imageName = (image: string) => image.replace(/@.*$/, "").replace(/:[^:/]*$/, "");

/**
 * The documents `kubectl kustomize DIR` renders for a kustomization of the kind deploy/ is, in
 * kustomize's output order, comments kept.
 */
export async function renderKustomization(dir: string): Promise<Document[]> {
  const kustomization = parse(await readFile(join(dir, "kustomization.yaml"), "utf8")) as Kustomization;
  const unknown = Object.keys(kustomization).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length > 0) throw new Error(`release: ${dir}/kustomization.yaml uses ${unknown.join(", ")}, which scripts/release/manifest.ts does not render yet`);
  for (const entry of kustomization.labels ?? []) {
    if (entry.includeSelectors || entry.includeTemplates) throw new Error("release: labels with includeSelectors or includeTemplates are not rendered by scripts/release/manifest.ts");
  }

  const docs: Document[] = [];
  for (const file of kustomization.resources ?? []) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
      if (doc.errors.length > 0) throw new Error(`release: ${file}: ${doc.errors[0]!.message}`);
      if (doc.contents === null) continue;
      docs.push(doc as Document);
    }
  }

  // kustomize's name references: a binding's ServiceAccount subject that names a ServiceAccount of
  // the build (same name, same namespace as written) follows that ServiceAccount's namespace.
  const serviceAccounts = docs.filter((d) => str(d, ["kind"]) === "ServiceAccount").map((d) => ({ name: str(d, ["metadata", "name"]), namespace: str(d, ["metadata", "namespace"]) }));
  const followers: { subject: YAMLMap; namespace: string }[] = [];
  for (const doc of docs) {
    const kind = str(doc, ["kind"]);
    const subjects = doc.get("subjects");
    if ((kind !== "RoleBinding" && kind !== "ClusterRoleBinding") || !isSeq(subjects)) continue;
    for (const subject of subjects.items) {
      if (!isMap(subject) || subject.get("kind") !== "ServiceAccount") continue;
      const written = typeof subject.get("namespace") === "string" ? (subject.get("namespace") as string) : "";
      const account = serviceAccounts.find((a) => a.name === subject.get("name") && a.namespace === written);
      if (account) followers.push({ subject, namespace: kustomization.namespace || account.namespace });
    }
  }
  for (const { subject, namespace } of followers) if (namespace) subject.set("namespace", namespace);

  for (const doc of docs) {
    const kind = str(doc, ["kind"]);
    if (kustomization.namespace) {
      if (kind === "Namespace") doc.setIn(["metadata", "name"], kustomization.namespace);
      else if (!CLUSTER_SCOPED.has(kind)) doc.setIn(["metadata", "namespace"], kustomization.namespace);
      // kustomize's default for bindings: only subjects named "default" get the namespace.
      if (kind === "RoleBinding" || kind === "ClusterRoleBinding") {
        const subjects = doc.get("subjects");
        if (isSeq(subjects)) {
          for (const subject of subjects.items) {
            if (isMap(subject) && subject.get("name") === "default") subject.set("namespace", kustomization.namespace);
          }
        }
      }
    }
    for (const entry of kustomization.labels ?? []) {
      for (const [key, value] of Object.entries(entry.pairs)) doc.setIn(["metadata", "labels", key], value);
    }
    for (const list of containerLists(doc)) {
      for (const container of list.items) {
        if (!isMap(container)) continue;
        const image = container.get("image");
        if (typeof image !== "string") continue;
        const rule = kustomization.images?.find((r) => r.name === imageName(image));
        if (!rule) continue;
        const suffix = image.slice(imageName(image).length);
        const name = (rule.newName ?? imageName(image)) + (rule.digest ? `@${rule.digest}` : rule.newTag ? `:${rule.newTag}` : suffix);
        container.set("image", name);
      }
    }
  }

  // kustomize sorts by kind (its legacy order), then by group/version/kind, namespace and name.
  const key = (doc: Document) => [rank(str(doc, ["kind"])), str(doc, ["apiVersion"]), str(doc, ["kind"]), str(doc, ["metadata", "namespace"]), str(doc, ["metadata", "name"])] as const;
  return docs
    .map((doc, index) => ({ doc, key: key(doc), index }))
    .sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) {
        const x = a.key[i]!;
        const y = b.key[i]!;
        if (x !== y) return x < y ? -1 : 1;
      }
      return a.index - b.index;
    })
    .map((e) => e.doc);
}

/** The operator Deployment's label that `puck version` reads. */
export const VERSION_LABEL = "app.kubernetes.io/version";

/**
 * Pins the release's images: every Puck container image, the agent image the operator gives Sprites
 * (its --agent-image argument), and the version label on the operator's Deployment.
 */
export function pinRelease(docs: Document[], images: ReleaseImages, version: string): void {
  const byName: Record<string, string> = { "puck-operator": images.operator, "puck-gateway": images.gateway, "puck-agent": images.agent, "puck-sprite": images.sprite };
  let pinned = 0;
  for (const doc of docs) {
    for (const list of containerLists(doc)) {
      for (const container of list.items) {
        if (!isMap(container)) continue;
        const image = container.get("image");
        if (typeof image !== "string") continue;
        const release = byName[imageName(image)];
        if (!release) throw new Error(`release: container image '${image}' in ${str(doc, ["kind"])}/${str(doc, ["metadata", "name"])} is not one of Puck's`);
        container.set("image", release);
        pinned++;
        const args = container.get("args");
        if (isSeq(args)) {
          args.items = args.items.map((arg) => {
            const text = typeof arg === "string" ? arg : (arg as { value?: unknown }).value;
            return typeof text === "string" && text.startsWith("--agent-image=") ? doc.createNode(`--agent-image=${images.agent}`) : arg;
          });
        }
      }
    }
    if (str(doc, ["kind"]) === "Deployment" && str(doc, ["metadata", "name"]) === "puck-operator") {
      doc.setIn(["metadata", "labels", VERSION_LABEL], version);
    }
  }
  if (pinned === 0) throw new Error("release: no container image found to pin in deploy/");
  const agentArgs = docs.flatMap((doc) => containerLists(doc).flatMap((list) => list.items.flatMap((c) => (isMap(c) && isSeq(c.get("args")) ? (c.get("args") as YAMLSeq).toJSON() : []))));
  if (!agentArgs.includes(`--agent-image=${images.agent}`)) throw new Error("release: the operator's --agent-image argument was not found in deploy/operator.yaml");
}

/** The manifest's text: a header, then each document after `---`. */
export function manifestText(docs: Document[], header: string[]): string {
  const body = docs.map((doc) => doc.toString({ lineWidth: 0 }).replace(/^---\n/, "")).join("---\n");
  return `${header.map((line) => `# ${line}`.trimEnd()).join("\n")}\n---\n${body}`;
}
