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

/**
 * System codes of a connection that failed on its way to the API server (refused, reset, no route,
 * no DNS answer): the same call may get through later. TLS trust failures are not among them.
 */
export const NETWORK_CODES: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET"]);

/** Codes of a server certificate the client cannot trust: no retry mends it, only the kubeconfig's CA. */
export const TRUST_CODES: ReadonlySet<string> = new Set([
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The system's code of a failure (ECONNREFUSED...), found through up to five causes. */
export function codeOf(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The one rule for a failure the same call may get past later, for every program: an API server
 * restarting or overloaded (5xx), asking to slow down (429), no answer in time, a watch gone silent, or
 * a connection that failed on its way (refused, reset, unreachable). Not: any other HTTP answer (the
 * server decided), credentials that could not be had, a certificate not trusted, or the caller's own
 * abort. A wrapped failure (a program's own error with the KubeError as its `cause`) is judged by
 * what it wraps.
 */
export function isTransient(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof KubeError) {
      if (e.status > 0) return e.status >= 500 || e.status === 429;
      if (e.reason === LOCAL_REASON.timeout || e.reason === LOCAL_REASON.watchSilent) return true;
      return e.reason === LOCAL_REASON.network && !TRUST_CODES.has(codeOf(e.cause) ?? "");
    }
    e = (e as { cause?: unknown }).cause;
  }
  const code = codeOf(error);
  return code !== undefined && NETWORK_CODES.has(code);
}
