// Smoke test of the local cluster: storage, exec with a terminal, and service-account access
// behave as on k3s, so that every later cluster test stands on a real Kubernetes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeconfigPath, kubectl, kubectlPath, makeNamespace } from "../lib/cluster.js";
import { openTerminal } from "../lib/terminal.js";
import { waitFor } from "../lib/wait.js";

const pod = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 1,
    serviceAccountName: "reader",
    containers: [
      {
        name: "main",
        image: "puck-node:dev",
        imagePullPolicy: "IfNotPresent",
        command: ["sleep", "infinity"],
        volumeMounts: [{ name: "data", mountPath: "/data" }],
      },
    ],
    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
  },
});

const rbac = (ns: string) => [
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "reader" } },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "reader" },
    rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
  },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "reader" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
    subjects: [{ kind: "ServiceAccount", name: "reader", namespace: ns }],
  },
];

// Asks the API server, from inside the pod with its own token, for one path; prints the HTTP status.
const apiStatusFromPod = `
const https = require("https"), fs = require("fs");
const dir = "/var/run/secrets/kubernetes.io/serviceaccount/";
https.get({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path: process.argv[1],
  ca: fs.readFileSync(dir + "ca.crt"), headers: { authorization: "Bearer " + fs.readFileSync(dir + "token", "utf8") } },
  (res) => { res.resume(); console.log(res.statusCode); }).on("error", (e) => { console.log("error " + e.message); });
`;

describe("the local cluster", () => {
  let ns: { name: string; remove: () => Promise<void> };

  beforeAll(async () => {
    ns = await makeNamespace("smoke");
    const objects = [
      ...rbac(ns.name),
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
      pod("one"),
    ];
    await kubectl(["-n", ns.name, "apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }) });
    await kubectl(["-n", ns.name, "wait", "--for=condition=Ready", "pod/one", "--timeout=120s"]);
  });

  afterAll(async () => {
    await ns?.remove();
  });

  it("binds a PVC of the default StorageClass on first use", async () => {
    const { stdout } = await kubectl(["-n", ns.name, "get", "pvc", "data", "-o", "jsonpath={.status.phase} {.spec.storageClassName}"]);
    expect(stdout).toBe("Bound local-path");
  });

  it("gives a shell with a terminal through kubectl exec -it", async () => {
    const term = openTerminal(kubectlPath(), ["--kubeconfig", kubeconfigPath(), "-n", ns.name, "exec", "-it", "one", "--", "/bin/sh"]);
    try {
      await term.waitForText(/[#$] $/m, 30_000, "a shell prompt");
      term.write("tty; echo written-by-smoke > /data/proof; exit 7\r");
      await term.waitForText(/\/dev\/pts\/\d+/, 30_000, "the terminal's name");
      expect(await term.exited()).toBe(7);
    } finally {
      term.kill();
    }
  });

  it("keeps a file on the volume when the pod is deleted and re-created", async () => {
    await kubectl(["-n", ns.name, "delete", "pod", "one", "--wait=true"]);
    await kubectl(["-n", ns.name, "apply", "-f", "-"], { input: JSON.stringify(pod("one")) });
    await kubectl(["-n", ns.name, "wait", "--for=condition=Ready", "pod/one", "--timeout=120s"]);
    const { stdout } = await kubectl(["-n", ns.name, "exec", "one", "--", "cat", "/data/proof"]);
    expect(stdout.trim()).toBe("written-by-smoke");
  });

  it("lets a pod's service-account token read what its Role grants and nothing else", async () => {
    const status = async (path: string) =>
      (await kubectl(["-n", ns.name, "exec", "one", "--", "node", "-e", apiStatusFromPod, path])).stdout.trim();
    // The token reaches the API through the kubernetes Service (kube-proxy) as an in-cluster client would.
    const allowed = await waitFor(async () => ((await status(`/api/v1/namespaces/${ns.name}/pods`)) === "200" ? "200" : undefined), {
      timeoutMs: 30_000,
      what: "the pod's token to list pods",
      describe: () => status(`/api/v1/namespaces/${ns.name}/pods`),
    });
    expect(allowed).toBe("200");
    expect(await status(`/api/v1/namespaces/${ns.name}/secrets`)).toBe("403");
    expect(await status(`/api/v1/namespaces/kube-system/pods`)).toBe("403");
  });
});
