// What the pod's events say while a Sprite wakes: the progress note, and the cause and fix of a failure.
import { eventTime, type KubeEvent } from "./sprites.js";

// NodeNotReady: the Sprite's own NodeNotReady condition already names the node and says why.
const NOISE = new Set(["MissingClusterDNS", "DNSConfigForming", "NodeNotReady"]);

/** The pod event that best explains a failure to start (the latest warning), as "Reason: message". */
export function failureCause(events: KubeEvent[]): string | undefined {
  // Some warnings are noise about the node, not about why this pod cannot start.
  const warnings = events.filter((e) => e.type === "Warning" && !NOISE.has(e.reason ?? ""));
  const last = warnings[warnings.length - 1];
  return last ? `${last.reason ?? "Warning"}: ${(last.message ?? "").replace(/\s+/g, " ").trim()}` : undefined;
}

/**
 * What the pod is doing, from its latest event since `sinceMs` ("Pulling: Pulling image …"), for the
 * progress line. Events outlive pods by an hour, so older ones (an earlier wake's) are skipped;
 * event times have second resolution, hence the second of slack.
 */
export function podEventNote(events: KubeEvent[], sinceMs: number, maxLength = 70): string | undefined {
  const recent = events.filter((e) => Date.parse(eventTime(e)) >= Math.floor(sinceMs / 1000) * 1000 - 1000 && !NOISE.has(e.reason ?? ""));
  const last = recent[recent.length - 1];
  if (!last) return undefined;
  const text = `${last.reason ?? "Event"}: ${(last.message ?? "").replace(/\s+/g, " ").trim()}`;
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** The fix for a failure, judged from its text. */
export function failureHint(name: string, text: string): string {
  // Admission refusals (the operator reports the StatefulSet's FailedCreate events) come first:
  // their text often contains "error", which would read as a crashing container below.
  if (/PodSecurity/.test(text))
    return "label the Sprite's namespace pod-security.kubernetes.io/enforce=privileged: the Puck agent needs SYS_PTRACE and DAC_READ_SEARCH";
  if (/exceeded quota|must specify|LimitRange|per Container|per Pod/i.test(text))
    return `the namespace's ResourceQuota or LimitRange refuses the pod: raise it, or give the Sprite --cpu/--memory that fit (\`kubectl describe quota,limitrange\`)`;
  if (/\/bin\/sh.*(no such file|not found)|executable file not found/i.test(text))
    return "the image has no /bin/sh: a Sprite image needs a POSIX shell (busybox is enough)";
  if (/lives on node|runs on node/.test(text))
    return `bring that node back (its kubelet must report Ready), then \`puck connect ${name}\` again; \`kubectl get nodes\` shows its state`;
  if (/admission webhook/i.test(text)) return `an admission webhook refuses the pod; see \`puck describe ${name}\``;
  if (/ImagePull|ErrImage|InvalidImageName|pull/i.test(text))
    return `check the image (\`puck describe ${name}\`); it must exist and be pullable by the cluster's nodes`;
  if (/Unschedulable|FailedScheduling|Insufficient|didn't match|nodes are available/i.test(text))
    return `no node can run it: free capacity, or recreate it with smaller --cpu/--memory (\`puck describe ${name}\`)`;
  if (/CrashLoopBackOff|Error|OOMKilled/i.test(text)) return `its container keeps failing; see \`puck describe ${name}\` and the pod's logs`;
  return `see \`puck describe ${name}\` for its events`;
}
