// The activity agent sidecar and its token volume: the only container in a Sprite pod with API access.
import { AGENT_CONTAINER, HOME_DIR } from "../api/index.js";
import { AGENT_VOLUME_DIR, agentHomeMount, agentVolumeMount } from "./volume-layout.js";
export const AGENT_TOKEN_VOLUME = "agent-token";
const TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export function agentContainer(spriteName: string, agentImage: string) {
  return {
    name: AGENT_CONTAINER,
    image: agentImage,
    imagePullPolicy: "IfNotPresent",
    command: ["node", "/app/agent.js"],
    env: [
      { name: "SPRITE_NAME", value: spriteName },
      { name: "SPRITE_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "PUCK_HOME_DIR", value: HOME_DIR },
      { name: "PUCK_VOLUME_DIR", value: AGENT_VOLUME_DIR },
      // Memory over speed (measured by e2e/bench/agent-pod.ts): without the JIT, with a small young
      // generation and no V8 worker threads the agent's RSS drops by about 10 MiB; it scans /proc
      // every second and fully every 3 s, which the interpreter does well under 1 % of a core.
      { name: "NODE_OPTIONS", value: "--jitless --max-semi-space-size=1 --v8-pool-size=0" },
    ],
    volumeMounts: [
      agentHomeMount(),
      agentVolumeMount(),
      { name: AGENT_TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
    ],
    // Proven in agent/capabilities.test.ts. Root (uid 0) only so that the added capabilities are
    // effective; everything else is dropped. SYS_PTRACE: ptrace-read access to the user's processes,
    // needed to follow /proc/<pid>/fd when they run as another user or hold capabilities the agent
    // lacks (a root shell in the main container does). DAC_READ_SEARCH: search another user's
    // /proc/<pid>/fd (mode 0500) and read a home directory the user closed. Group tty (5), the group
    // runc gives the container's /dev/pts: lets the agent write the hibernation warning to another
    // user's terminal (mode 0620) without DAC_OVERRIDE.
    // Why not within Pod Security "baseline" (which forbids both capabilities): /proc/<pid>/stat
    // names a session's terminal without ptrace, but the terminal's times (its activity) are on
    // the device node in the main container's own /dev/pts, reachable only through
    // /proc/<pid>/fd or /proc/<pid>/root, and the kernel checks ptrace access for both. Without
    // SYS_PTRACE the agent would see no activity of a user other than itself, and a Sprite would
    // hibernate under a typing user. So a hardened namespace is labelled privileged (docs/install.md).
    securityContext: {
      runAsUser: 0,
      runAsGroup: 5,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"], add: ["SYS_PTRACE", "DAC_READ_SEARCH"] },
    },
    resources: { requests: { cpu: "10m", memory: "48Mi" }, limits: { memory: "96Mi" } },
  };
}

/** The standard service-account projection (token, ca.crt, namespace), mounted into the agent only. */
export function agentTokenVolume() {
  return {
    name: AGENT_TOKEN_VOLUME,
    projected: {
      sources: [
        { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
}
