// The Sprite resource's OpenAPI schema: the one source of truth for its CRD and its TypeScript types.
import {
  array,
  boolean,
  dateTime,
  enumOf,
  integer,
  map,
  object,
  quantity,
  string,
  type TypeOf,
} from "./schema-dsl.js";
import { QUANTITY_PATTERN } from "../../kube/quantity.js";

/** A Sprite's name becomes its StatefulSet, Service, PVC and pod names: a DNS-1035 label, short
 * enough that `<name>-0` and the StatefulSet's revision-hash label still fit in 63 characters. */
export const SPRITE_NAME_PATTERN = "^[a-z]([-a-z0-9]*[a-z0-9])?$";
export const SPRITE_NAME_MAX_LENGTH = 40;
export const IDLE_TIMEOUT_MINUTES = { min: 1, max: 10080, default: 30 } as const;
export const DEFAULT_STORAGE_SIZE = "10Gi";
/**
 * What the main container requests when the Sprite names no request or limit of its own for a
 * resource: a shell, an editor and a small build. Without any, a Sprite would be BestEffort — not
 * counted by the scheduler, and the first to be evicted or OOM-killed when its node runs short.
 */
export const DEFAULT_REQUESTS = { cpu: "100m", memory: "256Mi" } as const;
/** What persists across hibernation (spec.persist); unset means "machine". */
export const PERSIST_MODES = ["machine", "home"] as const;
export const PHASES = ["Starting", "Active", "Hibernating", "Terminating"] as const;

/** A service's name: its log file's and state file's name, and a DNS-label-like word. */
export const SERVICE_NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
export const SERVICE_NAME_MAX_LENGTH = 40;
export const SERVICE_STOP_SIGNALS = ["TERM", "INT", "QUIT", "HUP", "USR1", "USR2"] as const;
/** A service's grace after its stop signal, when it names none: enough for a database to flush. */
export const DEFAULT_SERVICE_GRACE_SECONDS = 30;
export const MAX_SERVICE_GRACE_SECONDS = 240;
export const MAX_SERVICES = 16;

const serviceName = string({ pattern: SERVICE_NAME_PATTERN, maxLength: SERVICE_NAME_MAX_LENGTH });

export const serviceSchema = object(
  {
    name: serviceName,
    command: array(string({ maxLength: 4096 }), { description: "The program and its arguments (argv; no shell unless it names one).", minItems: 1, maxItems: 64 }),
    dir: string({ description: "Working directory; the home when unset.", maxLength: 1024 }),
    user: string({ description: "The user it runs as; the Sprite's user when unset. Another user needs an image that runs as root.", pattern: "^[a-z_][-a-z0-9_.]*[$]?$", maxLength: 32 }),
    env: array(
      object({ name: string({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$", maxLength: 128 }), value: string({ maxLength: 4096 }) }, { required: ["name"] }),
      { maxItems: 64, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] },
    ),
    port: integer({ description: "The TCP port it serves: it counts as running once the port accepts connections.", minimum: 1, maximum: 65535 }),
    after: array(serviceName, { description: "Services it starts after (once they run).", maxItems: 16 }),
    stopped: boolean({ description: "Stopped by hand: it stays stopped, across wakes too, until started." }),
    gracePeriodSeconds: integer({
      description: `Seconds between its stop signal and SIGKILL at hibernation or a stop (default ${DEFAULT_SERVICE_GRACE_SECONDS}).`,
      minimum: 1,
      maximum: MAX_SERVICE_GRACE_SECONDS,
    }),
    stopSignal: enumOf(SERVICE_STOP_SIGNALS, { description: "The signal that asks it to stop (default TERM; PostgreSQL's fast shutdown is INT)." }),
    restartedAt: dateTime("Set to now to restart it (puck service restart)."),
  },
  { required: ["name", "command"] },
);

export const MAX_HTTP_PORTS = 16;

export const httpPortSchema = object(
  {
    port: integer({ description: "A TCP port on the Sprite's localhost that serves HTTP.", minimum: 1, maximum: 65535 }),
    public: boolean({ description: "Anyone with the URL may open it. Private (the default): only someone who could reach the Sprite with puck (puck open, puck url --token)." }),
  },
  { required: ["port"] },
);

export const MAX_NETWORK_ALLOWS = 32;
/** NAME, or NAMESPACE/NAME: a Service or Sprite that a Sprite may reach (spec.network.allow). */
export const NETWORK_TARGET_PATTERN = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?/)?[a-z]([-a-z0-9]*[a-z0-9])?$";

export const networkAllowSchema = object(
  {
    cidr: string({
      description: "An address range outside the cluster, e.g. the home LAN (192.168.1.0/24) or one machine (192.168.1.20/32).",
      pattern: "^[0-9a-fA-F.:]+/[0-9]{1,3}$",
      maxLength: 64,
    }),
    service: string({
      description: "A Service, NAME in the Sprite's namespace or NAMESPACE/NAME: the pods it selects, on its target ports.",
      pattern: NETWORK_TARGET_PATTERN,
      maxLength: 127,
    }),
    sprite: string({
      description: "Another Sprite, NAME in this Sprite's namespace or NAMESPACE/NAME: every port of its pod (its own policy lets this Sprite in).",
      pattern: NETWORK_TARGET_PATTERN,
      maxLength: 127,
    }),
    ports: array(integer({ minimum: 1, maximum: 65535 }), {
      description: "With cidr: only these TCP ports (every port when unset).",
      maxItems: 16,
    }),
  },
  {
    "x-kubernetes-validations": [
      {
        rule: "(has(self.cidr) ? 1 : 0) + (has(self.service) ? 1 : 0) + (has(self.sprite) ? 1 : 0) == 1",
        message: "each entry of spec.network.allow names one of cidr, service or sprite",
      },
    ],
  },
);

const resourceList = map(quantity({ pattern: QUANTITY_PATTERN }), { maxProperties: 8 });

export const spriteSpecSchema = object(
  {
    image: string({ description: "Container image of the Sprite's main container.", minLength: 1, maxLength: 512 }),
    storageSize: string({
      description: "Size of the home volume (a quantity such as 10Gi). It may grow, never shrink.",
      default: DEFAULT_STORAGE_SIZE,
      pattern: QUANTITY_PATTERN,
      maxLength: 32,
      "x-kubernetes-validations": [
        { rule: "isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))", message: "storageSize must be a positive quantity such as 10Gi" },
        { rule: "quantity(self).compareTo(quantity(oldSelf)) >= 0", message: "storageSize may grow but never shrink" },
      ],
    }),
    storageClassName: string({
      description: "StorageClass of the home volume; the cluster default when unset. Immutable.",
      maxLength: 253,
      "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "storageClassName is immutable" }],
    }),
    idleTimeoutMinutes: integer({
      description: "Minutes without activity after which the Sprite hibernates.",
      minimum: IDLE_TIMEOUT_MINUTES.min,
      maximum: IDLE_TIMEOUT_MINUTES.max,
      default: IDLE_TIMEOUT_MINUTES.default,
    }),
    authorizedKeys: array(string({ maxLength: 16384 }), {
      description: "OpenSSH authorized_keys lines whose keys may log in through the Puck SSH gateway (ssh NAME[.NAMESPACE]@gateway). Honoured options: restrict, no-pty, pty, no-port-forwarding, port-forwarding; a line with any other option (command=, from=, permitopen=...) is not used. Nothing is written into the Sprite.",
      maxItems: 64,
    }),
    resources: object(
      { requests: resourceList, limits: resourceList },
      {
        description:
          "CPU and memory for the Sprite's main container, as in a container's resources. A resource with neither a request nor a limit here is requested at 100m CPU / 256Mi memory.",
      },
    ),
    activity: object(
      {
        busyCpuPercent: integer({
          description: "CPU use (percent of one core) above which a process without a terminal counts as busy.",
          minimum: 1,
          maximum: 100,
          default: 10,
        }),
        busyCommands: array(string({ minLength: 1, maxLength: 256 }), {
          description: "Regular expressions; a running process whose command line matches keeps the Sprite awake.",
          maxItems: 32,
        }),
      },
      { description: "How the agent tells activity from idleness." },
    ),
    wakeRequestedAt: dateTime("Set to now to wake the Sprite: a request newer than its last hibernation wakes it."),
    hibernateRequestedAt: dateTime(
      "Set to now to hibernate the Sprite whatever its activity; a later wake request undoes it.",
    ),
    keepAwakeUntil: dateTime("The Sprite stays awake until this time, whatever its activity."),
    pruneSystemsRequestedAt: dateTime(
      "Set to now to delete the earlier systems kept on the volume after image changes (status.volume.previousSystems): done at the Sprite's next start.",
    ),
    nodeSelector: map(string({ maxLength: 63 }), {
      description:
        "Node labels the Sprite's pod must match, as a pod's nodeSelector (e.g. kubernetes.io/hostname: node-b). The home volume is made on the node the first pod runs on and keeps the Sprite there after: a selector that leaves that node out makes the pod unschedulable.",
      maxProperties: 16,
    }),
    tolerations: array(
      object({
        key: string({ maxLength: 316 }),
        operator: enumOf(["Exists", "Equal"] as const),
        value: string({ maxLength: 63 }),
        effect: enumOf(["NoSchedule", "PreferNoSchedule", "NoExecute"] as const),
        tolerationSeconds: integer({ format: "int64" }),
      }),
      { description: "Taints of nodes the Sprite's pod may run on, as a pod's tolerations (e.g. a node kept for Sprites).", maxItems: 16 },
    ),
    persist: enumOf(PERSIST_MODES, {
      description:
        "What of the machine persists across hibernation: machine (the default when unset) keeps the whole disk — /usr, /etc, /var, /opt, /root, /srv, /home and the home — on the Sprite's volume, seeded from the image at its first start; home keeps only the home directory, and the image is the truth at every start.",
    }),
    services: array(serviceSchema, {
      description:
        "Programs the Sprite starts at every wake, in this order (after `after`), restarts when they exit, and stops in reverse order with a grace period at hibernation (docs/using.md, Services).",
      maxItems: MAX_SERVICES,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    }),
    http: array(httpPortSchema, {
      description:
        "Ports the Sprite serves over HTTP: each gets a URL (PORT-NAME.DOMAIN under the install's domain, status.http) that wakes the Sprite (docs/urls.md).",
      maxItems: MAX_HTTP_PORTS,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["port"],
    }),
    network: object(
      {
        allow: array(networkAllowSchema, {
          description:
            "What the Sprite may reach beyond DNS, the Kubernetes API server and the internet, which it always reaches. By default it reaches no pod or Service of the cluster, no node's own ports and no private address range (10/8, 172.16/12, 192.168/16, 100.64/10, link-local), and nothing reaches it over the pod network (docs/isolation.md).",
          maxItems: MAX_NETWORK_ALLOWS,
        }),
      },
      { description: "The Sprite's network boundary, kept by a NetworkPolicy the operator owns." },
    ),
    purgeStorageOnDelete: boolean({
      description: "When true, deleting the Sprite deletes its home volume too. By default the volume is kept.",
    }),
  },
  { required: ["image"] },
);

const session = object(
  {
    kind: enumOf(["terminal", "exec"] as const, { description: "terminal: a TTY session; exec: a command run without one." }),
    tty: string({ maxLength: 64 }),
    user: string({ maxLength: 64 }),
    command: string({ maxLength: 256 }),
    pid: integer(),
    startTime: dateTime("When the session's first process started."),
    lastActivityTime: dateTime(
      "When the session's terminal last saw input, or output while its work was busy or data moved on the network (the report time for exec).",
    ),
    active: boolean({ description: "Whether the session currently keeps the Sprite awake." }),
  },
  { required: ["kind", "command", "pid", "active"] },
);

const busyProcess = object(
  {
    pid: integer(),
    user: string({ maxLength: 64 }),
    command: string({ maxLength: 256 }),
    cpuPercent: integer({ description: "Recent CPU use, percent of one core." }),
    reason: enumOf(["Cpu", "Command"] as const),
  },
  { required: ["pid", "command", "cpuPercent", "reason"] },
);

const networkActivity = object(
  {
    windowSeconds: integer({ description: "The window `bytes` covers, in seconds." }),
    bytes: integer({
      description:
        "Bytes moved in the Sprite's network namespace over the window: on loopback (where forwarded connections — ssh -L, puck port-forward, kubectl port-forward — arrive) and on its other interfaces, the agent's own API traffic included.",
      format: "int64",
      minimum: 0,
    }),
    lastMovedTime: dateTime("When data last moved beyond the agent's own trickle (see docs/activity.md)."),
    active: boolean({ description: "Whether data moves now (more than the agent's own trickle in the last 30 s): it keeps the Sprite awake. Data that moved earlier counts in lastActiveTime, like a terminal's last input." }),
  },
  { required: ["active"] },
);

export const activityReportSchema = object(
  {
    reportTime: dateTime("When the agent made this report: the operator trusts only fresh reports."),
    agentStartTime: dateTime("When the reporting agent started."),
    mainStartTime: dateTime(
      "When the main container's first process started, as the agent saw it (the pod shares one process namespace): proof that the main container runs; absent when the agent sees none.",
    ),
    sessions: array(session, { maxItems: 16, description: "Sessions seen, at most 16." }),
    busyProcesses: array(busyProcess, { maxItems: 8, description: "Busy processes, busiest first, at most 8." }),
    keepAwakeUntil: dateTime("A keep-alive set from inside the Sprite (keepawake), while it lasts."),
    cpuPercent: integer({ description: "CPU use of all the Sprite's processes, percent of one core." }),
    processCount: integer(),
    network: networkActivity,
  },
  { required: ["reportTime"] },
);

const condition = object(
  {
    type: string({ maxLength: 316 }),
    status: enumOf(["True", "False", "Unknown"] as const),
    reason: string({ maxLength: 1024 }),
    message: string({ maxLength: 32768 }),
    lastTransitionTime: dateTime("When the status last changed."),
    observedGeneration: integer(),
  },
  { required: ["type", "status", "reason", "lastTransitionTime"] },
);

export const diskUsageSchema = object(
  {
    usedBytes: integer({ description: "Bytes in use on the home volume's filesystem (statfs: blocks minus free blocks).", format: "int64", minimum: 0 }),
    totalBytes: integer({ description: "The filesystem's size in bytes (statfs: blocks).", format: "int64", minimum: 0 }),
    availableBytes: integer({ description: "Bytes the user may still write (statfs: blocks available to unprivileged users).", format: "int64", minimum: 0 }),
    volumeBytes: integer({
      description: "Bytes the Sprite's volume itself holds, as du counts them (the agent walks it): on storage that enforces no size, such as k3s's local-path, the filesystem's figures above are the node's disk.",
      format: "int64",
      minimum: 0,
    }),
    volumeMeasuredAt: dateTime("When the agent last finished walking the volume."),
  },
  { required: ["usedBytes", "totalBytes"], description: "The home volume's filesystem as the agent last saw it; kept while the Sprite hibernates." },
);

const systemCopy = object(
  {
    name: string({ maxLength: 64, description: "Its folder on the volume: system, or previous/NAME for an earlier one." }),
    image: string({ maxLength: 512, description: "The image it was seeded from." }),
    seededAt: dateTime("When it was seeded."),
    bytes: integer({ format: "int64", minimum: 0, description: "Its size on the volume when last measured (at a start that set the volume up)." }),
    links: array(string({ maxLength: 16 }), {
      maxItems: 16,
      description: "Its top-level directories that are links (merged /usr: bin, sbin, lib): pods made later mount only the real ones.",
    }),
  },
  { required: ["name"] },
);

export const volumeStatusSchema = object(
  {
    layout: integer({ description: "The volume's layout: 2 is the home and the system as folders side by side." }),
    system: systemCopy,
    previousSystems: array(systemCopy, {
      maxItems: 16,
      description: "Systems kept on the volume after an image change; `puck system prune NAME` deletes them at the next start.",
    }),
    setUpAt: dateTime("When a start last set the volume up (moved its layout, seeded or re-seeded its system)."),
  },
  { description: "The Sprite's volume as its last setting-up start left it; pods made after it start without the setup init containers." },
);

export const SERVICE_STATES = ["starting", "running", "failed", "stopped"] as const;

export const serviceStatusSchema = object(
  {
    name: serviceName,
    state: enumOf(SERVICE_STATES),
    source: enumOf(["spec", "sprite"] as const, { description: "spec: declared in spec.services; sprite: a file in ~/.puck/services.d inside the Sprite." }),
    restarts: integer({ description: "Restarts since the Sprite woke (or the service was last changed)." }),
    lastExit: integer({ description: "Its last exit status (128+N: killed by signal N)." }),
    since: dateTime("When it entered its state."),
    message: string({ maxLength: 1024 }),
    lastOutput: string({ maxLength: 4096, description: "A failed service's last lines of output." }),
  },
  { required: ["name", "state"] },
);

export const httpStatusSchema = object(
  {
    port: integer(),
    public: boolean(),
    url: string({ description: "The port's URL; unset when it cannot have one (see message)." }),
    message: string({ description: "Why the port has no URL (no domain set up, a name too long for a DNS label...).", maxLength: 1024 }),
  },
  { required: ["port"] },
);

export const httpRequestSchema = object(
  {
    port: integer(),
    method: string({ maxLength: 16 }),
    path: string({ maxLength: 256, description: "The path, without its query." }),
    time: dateTime("When the request came."),
  },
  { description: "The last request through one of the Sprite's URLs, as the gateway saw it (written at most every few seconds)." },
);

export const spriteStatusSchema = object({
  phase: enumOf(PHASES),
  podName: string(),
  observedGeneration: integer(),
  conditions: array(condition, {
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
  }),
  // Written by the agent:
  activeSessions: integer({ description: "Sessions that currently keep the Sprite awake." }),
  lastActiveTime: dateTime(
    "Last activity the agent saw: terminal input (or output while its work is busy or data moves), an exec, a busy process, data moving on the network, or a connect (a new spec.wakeRequestedAt).",
  ),
  activity: activityReportSchema,
  disk: diskUsageSchema,
  services: array(serviceStatusSchema, { maxItems: 32, description: "The services as the Sprite's supervisor last saw them (the agent reports them); kept while it hibernates." }),
  // Written by the gateway:
  lastHTTPRequest: httpRequestSchema,
  // Written by the operator:
  http: array(httpStatusSchema, { maxItems: MAX_HTTP_PORTS, description: "The URL of each port in spec.http." }),
  reason: string({ description: "Why the Sprite is in its phase, as a CamelCase word (SessionActive, Idle, ...)." }),
  message: string({ description: "The reason, for humans." }),
  hibernatesAt: dateTime("When the Sprite hibernates if nothing else happens; unset while activity holds it awake."),
  restartsAt: dateTime(
    "When the operator replaces the awake Sprite's pod to apply a change to its spec (image, resources); terminals are warned before. Unset when none is scheduled.",
  ),
  wokeAt: dateTime("When the Sprite last woke (scaled to 1)."),
  hibernatedAt: dateTime("When the Sprite last hibernated (scaled to 0)."),
  homeSetUpAt: dateTime(
    "When the home volume was first found set up for the Sprite's user; pods made after it start without the setup init containers.",
  ),
  volume: volumeStatusSchema,
  observedWakeRequestedAt: dateTime(
    "The spec.wakeRequestedAt the operator last acted on: a different one is a new wake request, whatever the clocks say.",
  ),
});

export const spriteSchema = object(
  {
    apiVersion: string(),
    kind: string(),
    metadata: object({}),
    spec: spriteSpecSchema,
    status: spriteStatusSchema,
  },
  {
    required: ["spec"],
    "x-kubernetes-validations": [
      {
        rule: `self.metadata.name.matches('${SPRITE_NAME_PATTERN}') && size(self.metadata.name) <= ${SPRITE_NAME_MAX_LENGTH}`,
        message: `name must be lowercase letters, digits and '-', start with a letter and be at most ${SPRITE_NAME_MAX_LENGTH} characters`,
      },
    ],
  },
);

export type SpriteSpec = TypeOf<typeof spriteSpecSchema>;
export type SpriteStatus = TypeOf<typeof spriteStatusSchema>;
export type ActivityReport = TypeOf<typeof activityReportSchema>;
export type SpriteSession = NonNullable<ActivityReport["sessions"]>[number];
export type BusyProcess = NonNullable<ActivityReport["busyProcesses"]>[number];
export type NetworkActivity = NonNullable<ActivityReport["network"]>;
export type Condition = NonNullable<SpriteStatus["conditions"]>[number];
export type Phase = (typeof PHASES)[number];
export type DiskUsage = TypeOf<typeof diskUsageSchema>;
export type VolumeStatus = TypeOf<typeof volumeStatusSchema>;
export type SystemCopy = TypeOf<typeof systemCopy>;
export type PersistMode = (typeof PERSIST_MODES)[number];
export type SpriteService = TypeOf<typeof serviceSchema>;
export type ServiceStatus = TypeOf<typeof serviceStatusSchema>;
export type HttpPort = TypeOf<typeof httpPortSchema>;
export type NetworkAllow = TypeOf<typeof networkAllowSchema>;
export type HttpStatus = TypeOf<typeof httpStatusSchema>;
export type HttpRequest = TypeOf<typeof httpRequestSchema>;
export type ServiceState = (typeof SERVICE_STATES)[number];
