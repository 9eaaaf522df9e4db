// A ProcessInfo for tests: a sleeping, idle, non-kernel process with the given fields.
import type { ProcessInfo } from "./proc-scanner.js";

export const processInfo = (pid: number, cmdline: string, fields: Partial<ProcessInfo> = {}): ProcessInfo => ({
  pid,
  ppid: 1,
  sid: pid,
  ttyNr: 0,
  tpgid: -1,
  comm: cmdline.split(" ")[0]!,
  state: "S",
  cmdline,
  uid: 1000,
  cpuTicks: 0,
  reapedChildCpuTicks: 0,
  startTimeMs: 0,
  kernelThread: false,
  cgroup: "0::/",
  ...fields,
});
