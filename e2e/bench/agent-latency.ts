// Benchmark: how fast the agent reports a new and an ended terminal session, and its first report.
// Host-side: the built agent runs on this machine against the real cluster (through kubectl proxy);
// terminals are node-pty shells, children of this process, which stands in for the container runtime.
import * as pty from "node-pty";
import { waitFor } from "../lib/wait.js";
import { benchSprite, rerunWithoutEsbuild, startHostAgent } from "../lib/host-agent.js";

rerunWithoutEsbuild(import.meta.url);

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const name = "latency";
const { ns, proxy, recorder } = await benchSprite(name);
const stats = (xs: number[]) => ({ mean: Math.round(xs.reduce((a, b) => a + b, 0) / xs.length), max: Math.max(...xs), min: Math.min(...xs) });

/** Waits for the first Sprite version after `sinceMs` whose status satisfies `check`; returns its arrival time. */
const seen = (what: string, sinceMs: number, check: (s: NonNullable<(typeof recorder.events)[number]["sprite"]["status"]>) => boolean) =>
  waitFor(() => recorder.events.find((e) => e.atMs >= sinceMs && e.sprite.status && check(e.sprite.status))?.atMs, {
    what,
    timeoutMs: 15_000,
    intervalMs: 20,
    describe: () => recorder.events.at(-1)?.sprite.status,
  });

const agentSpawnMs = Date.now();
const agent = await startHostAgent({ namespace: ns.name, name, apiUrl: proxy.url });
try {
  const firstSeen = await seen("the first report", agentSpawnMs, (s) => s.activity?.reportTime !== undefined);
  const first = recorder.events.find((e) => e.atMs === firstSeen)!.sprite.status!.activity!;
  const internal = Date.parse(first.reportTime) - Date.parse(first.agentStartTime!);
  console.log(`first report: ${firstSeen - agentSpawnMs} ms from spawning node to the status on the API server (${internal} ms from the agent's start to its report)`);

  const opened: number[] = [];
  const ended: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = Date.now();
    const term = pty.spawn("sh", [], { env: { PATH: process.env.PATH ?? "" } });
    // By pid, not by count: on a shared host other people's terminals are sessions too.
    const listed = (s: NonNullable<(typeof recorder.events)[number]["sprite"]["status"]>) => s.activity?.sessions?.some((x) => x.pid === term.pid) === true;
    opened.push((await seen("the new session", t0, listed)) - t0);
    const t1 = Date.now();
    term.kill("SIGHUP");
    ended.push((await seen("the ended session", t1, (s) => !listed(s))) - t1);
  }
  console.log(`new session seen in the Sprite status (ms, ${ROUNDS} rounds):   ${JSON.stringify(stats(opened))}  target ≤ 2000`);
  console.log(`ended session seen in the Sprite status (ms, ${ROUNDS} rounds): ${JSON.stringify(stats(ended))}  target ≤ 2000`);
} finally {
  recorder.stop();
  await agent.stop();
  proxy.stop();
  await ns.remove();
}
process.exit(0);
