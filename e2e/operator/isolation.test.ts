// A Sprite's network boundary, enforced by the local cluster's NetworkPolicy enforcer (kube-router's,
// as in k3s): from a Sprite, another Sprite's pod, a pod and a Service of another namespace and the
// node's kubelet are out of reach, while a plain pod beside it (no policy) reaches each of them — so
// what stops the Sprite is its policy, not a closed port. DNS and an internet-like server on the host
// (outside the cluster's and the private ranges) work; `puck network --allow` opens that one Service,
// or another Sprite (whose policy then lets this one in); nothing reaches a Sprite over the pod
// network. Driven with `puck` as a user.
// Needs puck-sprite:dev in the node; PUCK_AGENT_IMAGE an agent of this build.
// @needs: cluster-alongside
import { createServer, type Server } from "node:http";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { kubectl, makeNamespace } from "../lib/cluster.js";
import { useOperatorNamespace } from "../lib/operator-namespace.js";
import { puck, type PuckResult } from "../lib/puck-cli.js";
import { SPRITE_IMAGE, createSprite, getObject, waitForPhase } from "../lib/sprites.js";
import { waitFor } from "../lib/wait.js";

const sh = promisify(execFile);
const ns = useOperatorNamespace("isolation");
let other: { name: string; remove: () => Promise<void> } | undefined;

/** An address outside the cluster's ranges and the private ones (TEST-NET-2), given to the host's
 * loopback for the test (this kernel has no dummy links): the host answers it as a server would. */
const INTERNET_IP = "198.51.100.7";
let internet: Server | undefined;

const WEB = ["python3", "-m", "http.server", "8080"];

async function ok(args: string[], timeoutMs = 180_000): Promise<PuckResult> {
  const r = await puck(["-n", ns.name, ...args], { timeoutMs });
  if (r.code !== 0) throw new Error(`puck ${args.join(" ")}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The HTTP status curl got from inside the Sprite, or "000" when it could not connect. */
const curlFrom = async (sprite: string, url: string): Promise<string> =>
  (await ok(["connect", sprite, "--", "sh", "-c", `curl -sk -o /dev/null -w '%{http_code}' --connect-timeout 3 --max-time 6 ${url} || true`])).stdout.trim();

/** The same from the plain pod beside the Sprites, which no policy selects. */
const curlFromProbe = async (url: string): Promise<string> =>
  (await kubectl(["exec", "-n", ns.name, "probe", "--", "sh", "-c", `curl -sk -o /dev/null -w '%{http_code}' --connect-timeout 3 --max-time 6 ${url} || true`])).stdout.trim();

const podIp = async (namespace: string, pod: string): Promise<string> => {
  let ip: string | undefined;
  await waitFor(async () => (ip = (await getObject<{ status: { podIP?: string } }>("pod", namespace, pod))?.status.podIP) !== undefined, { what: `${pod}'s address`, timeoutMs: 60_000 });
  return ip!;
};

let nodeIp = "";

beforeAll(async () => {
  other = await makeNamespace("isolation-other");
  const web = {
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: other.name, labels: { app: "web" } }, spec: { containers: [{ name: "web", image: SPRITE_IMAGE, imagePullPolicy: "IfNotPresent", command: WEB }] } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: other.name }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "probe", namespace: ns.name }, spec: { containers: [{ name: "probe", image: SPRITE_IMAGE, imagePullPolicy: "IfNotPresent", command: ["sleep", "infinity"] }] } },
    ],
  };
  await kubectl(["create", "-f", "-"], { input: JSON.stringify(web) });
  await Promise.all([
    createSprite(ns.name, "iso-a"),
    // iso-b serves HTTP on every address of its pod: only its policy keeps others out.
    createSprite(ns.name, "iso-b", { services: [{ name: "web", command: WEB, port: 8080 }] }),
  ]);
  await sh("ip", ["addr", "replace", `${INTERNET_IP}/32`, "dev", "lo"]);
  internet = createServer((_, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => internet!.listen(8088, INTERNET_IP, resolve));
  nodeIp = (await kubectl(["get", "nodes", "-o", "jsonpath={.items[0].status.addresses[?(@.type==\"InternalIP\")].address}"])).stdout.trim().split(" ")[0]!;
  await Promise.all([
    waitForPhase(ns.name, "iso-a", "Active", 300_000),
    waitForPhase(ns.name, "iso-b", "Active", 300_000),
    kubectl(["wait", "--for=condition=Ready", "pod/web", "-n", other.name, "--timeout=120s"], { timeoutMs: 130_000 }),
    kubectl(["wait", "--for=condition=Ready", "pod/probe", "-n", ns.name, "--timeout=120s"], { timeoutMs: 130_000 }),
  ]);
}, 420_000);

afterAll(async () => {
  internet?.close();
  await sh("ip", ["addr", "del", `${INTERNET_IP}/32`, "dev", "lo"]).catch(() => undefined);
  await other?.remove();
});

it("keeps a Sprite's pod to its policy: the operator made one for each Sprite, selecting its pod", async () => {
  const { stdout } = await kubectl(["get", "networkpolicy", "-n", ns.name, "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.podSelector.matchLabels.puck\\.sandwich\\.labs/sprite}:{.spec.policyTypes}{\"\\n\"}{end}"]);
  expect(stdout.trim().split("\n").sort()).toEqual(['iso-a=iso-a:["Ingress","Egress"]', 'iso-b=iso-b:["Ingress","Egress"]']);
});

type Scored = { type_meta: { kind: string }; checks: { check: { id: string }; grade: number; skipped: boolean }[] }[];

it("kube-score finds the Sprite's pod covered by a NetworkPolicy (and, as a control, not without it)", async () => {
  const dir = (await sh("bash", ["e2e/cluster/build.sh", "kube-score"], { maxBuffer: 16 << 20 })).stdout.trim().split("\n").at(-1)!;
  /** kube-score's grade of the StatefulSet's pod-networkpolicy check (10: OK, 1: critical). */
  const grade = async (kinds: string) => {
    const { stdout: objects } = await kubectl(["get", kinds, "iso-a", "-n", ns.name, "-o", "yaml"]);
    // kube-score exits 1 when any check fails (the Sprite's pod fails others: its image pull policy…).
    const run = sh(`${dir}/kube-score`, ["score", "-o", "json", "-"], { maxBuffer: 16 << 20 });
    run.child.stdin!.end(objects);
    const json = await run.then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? "");
    const sts = (JSON.parse(json) as Scored).find((o) => o.type_meta.kind === "StatefulSet");
    return sts?.checks.find((c) => c.check.id === "pod-networkpolicy" && !c.skipped)?.grade;
  };
  expect({ withPolicy: await grade("statefulset,networkpolicy"), without: await grade("statefulset") }).toEqual({ withPolicy: 10, without: 1 });
}, 420_000);

it("from a Sprite, another Sprite, a pod and a Service of another namespace and the node's kubelet are out of reach; a pod without a policy reaches the last three", async () => {
  const [webIp, bIp] = await Promise.all([podIp(other!.name, "web"), podIp(ns.name, "iso-b-0")]);
  const service = `http://web.${other!.name}.svc.cluster.local/`;
  const kubelet = `https://${nodeIp}:10250/healthz`;
  // iso-b's server is up: its own localhost reaches it.
  await waitFor(async () => (await curlFrom("iso-b", "http://127.0.0.1:8080/")) === "200", { what: "iso-b's web service to listen", timeoutMs: 60_000 });
  const fromProbe = { pod: await curlFromProbe(`http://${webIp}:8080/`), service: await curlFromProbe(service), kubelet: await curlFromProbe(kubelet), sprite: await curlFromProbe(`http://${bIp}:8080/`) };
  // The kubelet answers anyone who can reach it, with 401 to a stranger; a Sprite's pod is reached by nobody.
  expect(fromProbe).toEqual({ pod: "200", service: "200", kubelet: "401", sprite: "000" });
  const fromSprite = { pod: await curlFrom("iso-a", `http://${webIp}:8080/`), service: await curlFrom("iso-a", service), kubelet: await curlFrom("iso-a", kubelet), sprite: await curlFrom("iso-a", `http://${bIp}:8080/`) };
  expect(fromSprite).toEqual({ pod: "000", service: "000", kubelet: "000", sprite: "000" });
});

it("a Sprite resolves names and reaches a server outside the cluster's and the private ranges", async () => {
  const resolved = (await ok(["connect", "iso-a", "--", "getent", "hosts", `web.${other!.name}.svc.cluster.local`])).stdout;
  expect(resolved).toMatch(/^10\.43\./);
  expect(await curlFrom("iso-a", `http://${INTERNET_IP}:8088/`)).toBe("204");
});

it("`puck network --allow service/NS/NAME` opens that Service to the Sprite, says so in `puck describe`, and `--remove` closes it again", async () => {
  const service = `http://web.${other!.name}.svc.cluster.local/`;
  const changed = await ok(["network", "iso-a", "--allow", `service/${other!.name}/web`]);
  expect(changed.stdout).toContain(`and Service ${other!.name}/web`);
  let seen = "";
  await waitFor(async () => (seen = await curlFrom("iso-a", service)) === "200", { what: "the allowed Service to answer iso-a", timeoutMs: 60_000, describe: () => seen });
  expect((await ok(["describe", "iso-a"])).stdout).toMatch(new RegExp(`Reaches: +DNS, the Kubernetes API server, the internet.*\\n +and Service ${other!.name}/web`));
  // Still nothing else of that namespace: the web pod by its address on another port is closed.
  expect(await curlFrom("iso-a", `http://${await podIp(other!.name, "web")}:9/`)).toBe("000");
  await ok(["network", "iso-a", "--remove", `service/${other!.name}/web`]);
  await waitFor(async () => (seen = await curlFrom("iso-a", service)) === "000", { what: "the Service closed to iso-a again", timeoutMs: 60_000, describe: () => seen });
});

it("`puck network --allow sprite/NAME` lets a Sprite reach another's pod, and that one only from it; `--remove` undoes both", async () => {
  const bIp = await podIp(ns.name, "iso-b-0");
  await ok(["network", "iso-a", "--allow", "sprite/iso-b"]);
  let seen = "";
  await waitFor(async () => (seen = await curlFrom("iso-a", `http://${bIp}:8080/`)) === "200", { what: "iso-b to answer iso-a", timeoutMs: 60_000, describe: () => seen });
  // iso-b's policy lets iso-a in, and no one else: the plain pod is still refused.
  expect(await curlFromProbe(`http://${bIp}:8080/`)).toBe("000");
  const { stdout } = await kubectl(["get", "networkpolicy", "iso-b", "-n", ns.name, "-o", "jsonpath={.spec.ingress[0].from[0].podSelector.matchLabels.puck\\.sandwich\\.labs/sprite}"]);
  expect(stdout).toBe("iso-a");
  await ok(["network", "iso-a", "--remove", "sprite/iso-b"]);
  await waitFor(async () => (seen = await curlFrom("iso-a", `http://${bIp}:8080/`)) === "000", { what: "iso-b closed to iso-a again", timeoutMs: 60_000, describe: () => seen });
  expect((await kubectl(["get", "networkpolicy", "iso-b", "-n", ns.name, "-o", "jsonpath={.spec.ingress}"])).stdout).toBe("");
});

it("refuses a target that is neither a range, a Service nor a Sprite with an error and its fix, changing nothing", async () => {
  const r = await puck(["-n", ns.name, "network", "iso-a", "--allow", "web"]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toMatch(/^error: --allow "web" is not a range, a Service or a Sprite\nhint: give a range .* or a Sprite \(sprite\/NAME or sprite\/NAMESPACE\/NAME\)$/);
  expect((await getObject<{ spec: { network?: unknown } }>("sprite", ns.name, "iso-a"))?.spec.network).toBeUndefined();
});
