// The activity agent sidecar and its token volume: the only container in a Sprite pod with API access.
import { AGENT_CONTAINER, HOME_DIR } from "./api/index.js";

export const HOME_VOLUME = "home";
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
    ],
    volumeMounts: [
      { name: HOME_VOLUME, mountPath: HOME_DIR, readOnly: true },
      { name: AGENT_TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
    ],
    // Root without privilege: SYS_PTRACE and DAC_READ_SEARCH let it read /proc/<pid>/fd and the
    // terminals of the user's processes (the pod shares one process namespace); nothing else.
    securityContext: {
      runAsUser: 0,
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
