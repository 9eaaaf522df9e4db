// Typed user-facing errors and the mapping from Kubernetes API failures to one line of cause and fix.
import { AccessError } from "../kube/access.js";
import { codeOf, isTransient, KubeError, LOCAL_REASON, NETWORK_CODES, TRUST_CODES } from "../kube/errors.js";
import { EXIT_SESSION_ENDED } from "../sprite-client/session-end.js";

export const EXIT = {
  failure: 1,
  usage: 2,
  /** The Sprite could not start (image pull error, unschedulable...). */
  notStarted: 3,
  /** A remote command's exit code could not be learnt: the connection closed under it. */
  lostConnection: 255,
  /**
   * The Sprite ended the session (it hibernated, was deleted, or its pod stopped); puck says which.
   * As ssh does when the remote end goes away: the command's own code is unknown.
   */
  sessionEnded: EXIT_SESSION_ENDED,
} as const;

/** An error the user can act on: printed as one line and a hint, never with a stack. */
export class PuckError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  /**
   * The same request may well succeed later (network trouble, an API server restarting, 5xx, 429):
   * for a failed API call, kube/errors.ts's isTransient of the failure it maps (its `cause`).
   */
  retryable = false;
  constructor(message: string, hint?: string, exitCode: number = EXIT.failure) {
    super(message);
    this.name = "PuckError";
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

export interface ErrorContext {
  /** What was being done, e.g. "get Sprite web". */
  action: string;
  server?: string;
  namespace?: string;
  /** The Sprite the action was about, for NotFound. */
  sprite?: string;
  /** The verb, for RBAC hints (get, list, patch, create, delete, watch). */
  verb?: string;
  resource?: string;
}

/**
 * Turns a failure talking to the API into a PuckError with a fix, or returns it unchanged. The PuckError
 * keeps the failure as its cause, and is retryable as the one rule for every program says (isTransient).
 */
export function toPuckError(error: unknown, context: ErrorContext): unknown {
  if (error instanceof PuckError) return error;
  const mapped = describeFailure(error, context);
  if (mapped instanceof PuckError) {
    mapped.cause = error;
    mapped.retryable = isTransient(error);
  }
  return mapped;
}

function describeFailure(error: unknown, context: ErrorContext): unknown {
  const resource = context.resource ?? "sprites";
  const ns = context.namespace ? ` in namespace ${context.namespace}` : "";
  if (error instanceof AccessError) return new PuckError(error.message, error.hint, error.usage ? EXIT.usage : EXIT.failure);
  if (error instanceof KubeError && error.reason === LOCAL_REASON.credentials) {
    return new PuckError(error.message, "run it by hand to see why, or log in again with your cluster's tool");
  }
  if (error instanceof KubeError && (error.reason === LOCAL_REASON.timeout || error.reason === LOCAL_REASON.watchSilent)) {
    return new PuckError(
      `the Kubernetes API${context.server ? ` at ${context.server}` : ""} did not answer in time while trying to ${context.action}`,
      "retry; if it persists, check the cluster's health with `kubectl get --raw /readyz`",
    );
  }
  if (error instanceof KubeError && error.status > 0) {
    switch (error.status) {
      case 401:
        return new PuckError(
          `the cluster rejected your credentials while trying to ${context.action} (401 Unauthorized)`,
          "refresh the credentials in your kubeconfig, or pick another with --kubeconfig/--context",
        );
      case 403:
        return new PuckError(
          `not allowed to ${context.verb ?? "access"} ${resource}${ns}: ${error.serverMessage}`,
          `ask a cluster admin for RBAC on ${resource}.puck.sandwich.labs (check with \`kubectl auth can-i ${context.verb ?? "get"} ${resource}${context.namespace ? ` -n ${context.namespace}` : ""}\`)`,
        );
      case 404:
        if (error.isStatus && context.sprite && resource === "sprites") {
          return new PuckError(
            `Sprite "${context.sprite}" not found${ns}`,
            `list the Sprites with \`puck list${context.namespace ? ` -n ${context.namespace}` : ""}\`, or create it with \`puck create ${context.sprite}\``,
          );
        }
        if (!error.isStatus || resource === "sprites") {
          return new PuckError(
            "Puck is not installed in this cluster: the API has no sprites.puck.sandwich.labs resource",
            "install Puck (kubectl apply -f deploy/), or point --kubeconfig/--context at the cluster that runs it",
          );
        }
        return new PuckError(`${context.action}: not found: ${error.serverMessage}`);
      case 409:
        return new PuckError(`${context.action}: ${error.serverMessage}`, context.sprite ? `pick another name, or delete it first with \`puck delete ${context.sprite}\`` : undefined);
      case 422:
        return new PuckError(`the cluster refused to ${context.action}: ${error.serverMessage}`, "fix the value it names and try again", EXIT.usage);
      default:
        return new PuckError(`failed to ${context.action}: HTTP ${error.status} ${error.serverMessage}`, "retry; if it persists, check the cluster's health with `kubectl get --raw /readyz`");
    }
  }
  const code = codeOf(error);
  if (code && (NETWORK_CODES.has(code) || TRUST_CODES.has(code))) {
    const where = context.server ? ` at ${context.server}` : "";
    if (TRUST_CODES.has(code)) {
      return new PuckError(
        `cannot trust the Kubernetes API${where} (${code})`,
        "check the certificate-authority of the cluster in your kubeconfig",
      );
    }
    return new PuckError(
      `cannot reach the Kubernetes API${where} (${code})`,
      "check that the cluster is running and that --kubeconfig/--context point to it (`kubectl cluster-info`)",
    );
  }
  return error;
}
