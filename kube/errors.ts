// The one error type for every failed call to the Kubernetes API: HTTP status, reason, the Status message.

/** Reasons for failures that never got an HTTP answer; API reasons (NotFound, Conflict...) are the server's. */
export const LOCAL_REASON = {
  /** No answer within the request timeout. */
  timeout: "Timeout",
  /** A watch stream sent no bytes for its silence timeout: the connection is presumed dead. */
  watchSilent: "WatchSilent",
  /** The connection failed (refused, reset, TLS): see `cause` for the system's code. */
  network: "NetworkError",
  /** The credentials could not be obtained (token file unreadable, exec plugin failed). */
  credentials: "CredentialsError",
  /** The caller's signal aborted the request. */
  aborted: "Aborted",
} as const;

export class KubeError extends Error {
  override readonly name = "KubeError";
  /**
   * @param status the HTTP status, or 0 when no answer came (see LOCAL_REASON)
   * @param reason the Status object's reason (NotFound, Forbidden...), or a LOCAL_REASON
   * @param serverMessage the Status object's message, else the raw body (trimmed), else ""
   * @param isStatus the body was a Kubernetes Status (a bare "404 page not found" is not)
   */
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
    readonly serverMessage: string,
    readonly isStatus: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isStatus = (error: unknown, status: number): boolean => error instanceof KubeError && error.status === status;

export const isReason = (error: unknown, reason: string): boolean => error instanceof KubeError && error.reason === reason;

/** The KubeError for a non-2xx answer; `what` names the call ("GET /api/v1/..."). */
export function httpError(what: string, status: number, body: string): KubeError {
  let serverMessage = body.trim().slice(0, 1000);
  let reason = "";
  let status_ = false;
  try {
    const parsed = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    if (parsed.kind === "Status") {
      status_ = true;
      reason = parsed.reason ?? "";
      serverMessage = parsed.message ?? serverMessage;
    }
  } catch {
    // Not JSON (a proxy's error page, "404 page not found"): keep the raw body as the message.
  }
  return new KubeError(`${what}: HTTP ${status} ${serverMessage}`, status, reason, serverMessage, status_);
}

/** The KubeError for a call that got no HTTP answer. */
export const localError = (what: string, reason: string, detail: string, cause?: unknown): KubeError =>
  new KubeError(`${what}: ${detail}`, 0, reason, "", false, cause === undefined ? undefined : { cause });
