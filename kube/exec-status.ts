// The exit code of a command run over the exec WebSocket, read from its status channel's V1Status.

export interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

export type ExecOutcome = { code: number } | { error: string; code: number };

/**
 * Success is exit 0; NonZeroExitCode carries the code in an ExitCode cause. Any other failure
 * (command not found, container gone) is an error: 127 when the command is missing, as shells do.
 */
export function outcomeOf(status: ExecStatus): ExecOutcome {
  if (status.status === "Success") return { code: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  if (status.reason === "NonZeroExitCode" && cause?.message !== undefined && /^\d+$/.test(cause.message)) {
    return { code: Number(cause.message) };
  }
  const message = status.message ?? status.reason ?? "the command failed to start";
  if (/executable file not found|no such file or directory/i.test(message)) return { error: message, code: 127 };
  if (/permission denied/i.test(message)) return { error: message, code: 126 };
  return { error: message, code: 1 };
}

/**
 * Whether the kubelet refused to start the command because its pod or container is not running
 * there (yet): nothing ran, so trying again later is safe. As after a node came back, while the
 * kubelet remakes the pod's containers.
 */
export function neverStarted(outcome: ExecOutcome): boolean {
  return "error" in outcome && /unable to upgrade connection: (pod does not exist|container not found)/.test(outcome.error);
}
