// Where a wake's time goes: watch events of the Sprite and its pod, timestamped on arrival, and an exec
// tried every 25 ms from the moment of the wake request, printed as one timeline per wake. Runs the
// operator as a host process (or, with --installed, uses Puck installed in-cluster).
// Usage: npm run bench:wake-timeline [-- --runs 3 --agent-image puck-agent:dev --via puck|patch]
import { Writable } from "node:stream";
import { Exec, KubeConfig, Watch } from "@kubernetes/client-node";
import { childNames } from "../../operator/api/index.js";
import { installCrd, kubeconfigPath, kubectl, makeNamespace } from "../lib/cluster.js";
import { startOperator } from "../lib/operator-process.js";
import { deleteSprites, ensurePuckBuilt, PUCK } from "../lib/puck-cli.js";
import { waitFor } from "../lib/wait.js";
import { argument, randomPause } from "../lib/stats.js";
import { run } from "../lib/exec.js";

const runs = argument("--runs", 3);
const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const agentImage = flag("--agent-image");
const via = flag("--via") ?? "puck";
const NAME = "timeline";
const env = { ...process.env, KUBECONFIG: kubeconfigPath() };
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath());

type Status = { phase?: string; observedGeneration?: number; conditions?: { type: string; status: string; reason?: string }[]; activity?: { reportTime?: string; agentStartTime?: string; mainStartTime?: string } };
type Pod = { spec: { nodeName?: string }; status?: { phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { name: string; state?: Record<string, unknown> }[] } };

await Promise.all([ensurePuckBuilt(), installCrd()]);
const ns = await makeNamespace("bench-timeline");
const operator = await startOperator({ namespace: ns.name, ...(agentImage ? { agentImage } : {}) });
try {
  await run(process.execPath, [PUCK, "-n", ns.name, "create", NAME, "--image", "puck-sprite:dev", "--storage", "1Gi", "--idle-timeout", "120"], { env });
  const pod = childNames(NAME).pod;
  for (let r = 0; r < runs; r++) {
    await run(process.execPath, [PUCK, "-n", ns.name, "hibernate", NAME, "--yes"], { env });
    await waitFor(async () => (await kubectl(["-n", ns.name, "get", "pod", pod, "--ignore-not-found", "-o", "name"])).stdout.trim() === "", { what: "pod gone", timeoutMs: 60_000 });
    await randomPause(1000);
    const lines: string[] = [];
    let t0 = 0;
    const log = (text: string) => lines.push(`+${String(Date.now() - t0).padStart(5)} ${text}`);
    const watch = new Watch(kc);
    let lastSprite = "";
    let lastPod = "";
    const w1 = await watch.watch(`/apis/puck.sandwich.labs/v1alpha1/namespaces/${ns.name}/sprites`, { fieldSelector: `metadata.name=${NAME}` }, (_t, o: { metadata: { generation: number }; status?: Status }) => {
      if (!t0) return;
      const s = o.status ?? {};
      const ready = s.conditions?.find((c) => c.type === "Ready");
      const line = `sprite gen=${o.metadata.generation} observed=${s.observedGeneration} ${s.phase} Ready=${ready?.status}/${ready?.reason} agentStart=${s.activity?.agentStartTime?.slice(11)} mainStart=${s.activity?.mainStartTime?.slice(11)} report=${s.activity?.reportTime?.slice(11)}`;
      if (line !== lastSprite) log(line);
      lastSprite = line;
    }, () => undefined);
    const w2 = await watch.watch(`/api/v1/namespaces/${ns.name}/pods`, { fieldSelector: `metadata.name=${pod}` }, (type, o: Pod) => {
      if (!t0) return;
      const cs = (o.status?.containerStatuses ?? []).map((c) => `${c.name}:${Object.keys(c.state ?? {})[0]}`).join(",");
      const line = `pod ${type} created=${(o as { metadata?: { creationTimestamp?: string } }).metadata?.creationTimestamp?.slice(11)} node=${o.spec.nodeName ?? "-"} ${o.status?.phase} Ready=${o.status?.conditions?.find((c) => c.type === "Ready")?.status} ${cs}`;
      if (line !== lastPod) log(line);
      lastPod = line;
    }, () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    t0 = Date.now();
    const command =
      via === "puck"
        ? run(process.execPath, [PUCK, "-n", ns.name, "connect", NAME, "--", "true"], { env }).then(() => log("puck connect -- true done"))
        : kubectl(["-n", ns.name, "patch", "sprite", NAME, "--type", "merge", "-p", JSON.stringify({ spec: { wakeRequestedAt: new Date().toISOString() } })]).then(() => log("wake request written"));
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const exec = new Exec(kc);
    let done = false;
    let tries = 0;
    let lastError = "";
    while (!done && Date.now() - t0 < 20_000) {
      tries++;
      await new Promise<void>((resolve) => {
        exec
          .exec(ns.name, pod, "sprite", ["true"], sink, sink, null, false, (st) => {
            if (st.status === "Success") {
              done = true;
              log(`exec succeeded (try ${tries})`);
            } else if (st.message !== lastError) log(`exec status: ${(lastError = st.message ?? "")}`);
          })
          .then((ws) => ws.on("close", () => resolve()))
          .catch((e: unknown) => {
            const m = String((e as Error)?.message ?? e).slice(0, 90);
            if (m !== lastError) log(`exec failed: ${(lastError = m)}`);
            resolve();
          });
      });
      if (!done) await new Promise((r) => setTimeout(r, 25));
    }
    await command;
    await new Promise((r) => setTimeout(r, 1500));
    w1.abort();
    w2.abort();
    console.log(`wake ${r + 1}:\n${lines.map((l) => `  ${l}`).join("\n")}`);
  }
} finally {
  await deleteSprites(ns.name).catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  await operator.stop();
  await ns.remove();
}
