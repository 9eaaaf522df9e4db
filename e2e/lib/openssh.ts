// Drives Debian's OpenSSH clients (and rsync, curl) as the gateway tests use them: their output and
// exit code, and the options that pin a test's own key and known_hosts with no prompt.
import { execFile } from "node:child_process";

export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a client to its end with `input` on stdin; 255 stands for a client killed or not started. */
export function runClient(file: string, args: string[], input = "", timeoutMs = 180_000): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 255) : 0, stdout, stderr });
    });
    // A client that exits at once (a refused connection) closes its stdin before it is written.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input);
  });
}

/** ssh/scp/sftp options: this key only, this known_hosts only, no prompts, errors only. */
export const pinnedOptions = (key: string, knownHosts: string) => [
  "-F", "/dev/null", "-i", key, "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${knownHosts}`,
  "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
];
