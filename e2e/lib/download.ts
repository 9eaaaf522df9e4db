// Throughput as a person's tool sees it, for the forwarding benchmarks: curl fetching /blob.
import { run } from "./exec.js";

/** One download of http://127.0.0.1:PORT/blob to /dev/null: MiB/s, after checking all `bytes` came. */
export async function downloadMiBps(port: number, bytes: number): Promise<number> {
  const { stdout } = await run("curl", ["-sS", "--fail", "-o", "/dev/null", "-w", "%{size_download} %{time_total}", `http://127.0.0.1:${port}/blob`], { timeout: 300_000 });
  const [size, seconds] = stdout.split(" ").map(Number);
  if (size !== bytes) throw new Error(`downloaded ${size} bytes, not ${bytes}`);
  return bytes / 1024 / 1024 / seconds!;
}
