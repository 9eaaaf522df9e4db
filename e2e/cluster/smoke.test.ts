// Smoke test of the local cluster: storage, exec with a terminal, service-account access and
// cluster DNS behave as on k3s, so that every later cluster test stands on a real Kubernetes.
// @needs: cluster
import { existsSync, readFileSync } from "node:fs";
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

// Resolves a name inside the pod as its programs would (getaddrinfo through the pod's resolv.conf).
const lookupFromPod = `require("dns").promises.lookup(process.argv[1], 4).then((r) => console.log(r.address), (e) => console.log("error " + e.code));`;

interface PersistentVolume {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { hostPath?: { path: string }; local?: { path: string } };
}

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

  it("gives pods the cluster DNS: a Service resolves by its short name and by its full name", async () => {
    await kubectl(["-n", ns.name, "create", "service", "clusterip", "named", "--tcp=80:8080"]);
    const { stdout: serviceIp } = await kubectl(["-n", ns.name, "get", "service", "named", "-o", "jsonpath={.spec.clusterIP}"]);
    const { stdout: apiIp } = await kubectl(["-n", "default", "get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"]);
    const lookup = async (name: string) => (await kubectl(["-n", ns.name, "exec", "one", "--", "node", "-e", lookupFromPod, name])).stdout.trim();
    // CoreDNS learns of a new Service through its watch: give it a moment.
    const resolved = await waitFor(async () => ((await lookup("named")) === serviceIp ? serviceIp : undefined), {
      timeoutMs: 30_000,
      what: `"named" to resolve to ${serviceIp} inside the pod`,
      describe: () => lookup("named"),
    });
    expect(resolved).toBe(serviceIp);
    expect(await lookup(`named.${ns.name}.svc.cluster.local`)).toBe(serviceIp);
    expect(await lookup("kubernetes.default.svc.cluster.local")).toBe(apiIp);
  });

  it("configures a new pod's DNS without the kubelet's MissingClusterDNS warning", async () => {
    const { stdout: dnsIp } = await kubectl(["-n", "kube-system", "get", "service", "kube-dns", "-o", "jsonpath={.spec.clusterIP}"]);
    const { stdout: resolvConf } = await kubectl(["-n", ns.name, "exec", "one", "--", "cat", "/etc/resolv.conf"]);
    expect(resolvConf).toContain(`nameserver ${dnsIp}`);
    expect(resolvConf).toContain(`search ${ns.name}.svc.cluster.local svc.cluster.local cluster.local`);
    const { stdout: warnings } = await kubectl([
      "-n", ns.name, "get", "events", "--field-selector", "reason=MissingClusterDNS", "-o", "jsonpath={.items[*].message}",
    ]);
    expect(warnings).toBe("");
  });

  it("provisions the default class with Rancher's local-path provisioner and deletes the data with the claim", async () => {
    const { stdout: provisioner } = await kubectl(["get", "storageclass", "local-path", "-o", "jsonpath={.provisioner}"]);
    expect(provisioner).toBe("rancher.io/local-path");
    const scratch = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "scratch" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } },
    };
    const writer = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "writer" },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "main",
            image: "puck-node:dev",
            imagePullPolicy: "IfNotPresent",
            command: ["sh", "-c", "echo scratch-data > /scratch/proof && sleep infinity"],
            volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
          },
        ],
        volumes: [{ name: "scratch", persistentVolumeClaim: { claimName: "scratch" } }],
      },
    };
    await kubectl(["-n", ns.name, "apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: [scratch, writer] }) });
    await kubectl(["-n", ns.name, "wait", "--for=condition=Ready", "pod/writer", "--timeout=120s"]);
    const { stdout: pvName } = await kubectl(["-n", ns.name, "get", "pvc", "scratch", "-o", "jsonpath={.spec.volumeName}"]);
    const pv = JSON.parse((await kubectl(["get", "pv", pvName, "-o", "json"])).stdout) as PersistentVolume;
    expect(pv.metadata.annotations?.["pv.kubernetes.io/provisioned-by"]).toBe("rancher.io/local-path");
    // The volume is a directory on this machine, the node: the pod's file is there.
    const dir = pv.spec.hostPath?.path ?? pv.spec.local?.path ?? "";
    await waitFor(() => existsSync(`${dir}/proof`), { timeoutMs: 30_000, what: `the pod's file in ${dir}` });
    expect(readFileSync(`${dir}/proof`, "utf8").trim()).toBe("scratch-data");

    await kubectl(["-n", ns.name, "delete", "pod", "writer", "--wait=true"]);
    await kubectl(["-n", ns.name, "delete", "pvc", "scratch", "--wait=true"]);
    // The provisioner deletes the volume only after its teardown helper pod removed the directory.
    await waitFor(async () => (await kubectl(["get", "pv", pvName, "--ignore-not-found", "-o", "name"])).stdout.trim() === "", {
      timeoutMs: 60_000,
      what: `the volume ${pvName} to be deleted with its claim`,
      describe: async () => (await kubectl(["get", "pv", pvName, "--ignore-not-found", "-o", "jsonpath={.status.phase}"])).stdout,
    });
    expect(existsSync(dir)).toBe(false);
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
