// The Sprite API's identity and the names, labels and reasons every Puck component agrees on.
import type { ObjectMeta } from "../../kube/client.js";
import type { ResourceType } from "../../kube/paths.js";
import type { SpriteSpec, SpriteStatus } from "./sprite-schema.js";

export const GROUP = "puck.sandwich.labs";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "Sprite";
export const PLURAL = "sprites";
export const SINGULAR = "sprite";
export const SHORT_NAMES = ["sp"] as const;
export const CRD_NAME = `${PLURAL}.${GROUP}`;
/** The Sprite's resource type, for kube/'s path builder (which knows no custom resources itself). */
export const SPRITES: ResourceType = { group: GROUP, version: VERSION, plural: PLURAL };

/** Kubernetes object metadata, as kube/ reads it. */
export type { ObjectMeta } from "../../kube/client.js";

export interface Sprite {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: SpriteSpec;
  status?: SpriteStatus;
}

/** Keeps the Sprite until the operator has removed (or, on request, purged) what it made. */
export const FINALIZER = `${GROUP}/storage`;

export const LABELS = {
  sprite: `${GROUP}/sprite`,
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  managedBy: "app.kubernetes.io/managed-by",
  component: "app.kubernetes.io/component",
} as const;

/** Where a Sprite's home volume is mounted, in the main container and the agent. */
export const HOME_DIR = "/home/sprite";
/** The keep-alive file, relative to the home directory; it holds an RFC 3339 time. */
export const KEEP_AWAKE_FILE = ".puck/keep-awake";
export const MAIN_CONTAINER = "sprite";
export const AGENT_CONTAINER = "agent";

/** Names of the objects the operator makes for a Sprite. */
export const childNames = (sprite: string) => ({
  statefulSet: sprite,
  service: sprite,
  pod: `${sprite}-0`,
  pvc: `${sprite}-home`,
  serviceAccount: `${sprite}-agent`,
  role: `${sprite}-agent`,
  roleBinding: `${sprite}-agent`,
  networkPolicy: sprite,
});

export const CONDITION = {
  /** The pod is up and a shell can be opened in it. */
  ready: "Ready",
  /** The agent's activity report is fresh enough to act on. */
  activityFresh: "ActivityFresh",
  /** The home volume is fuller than DISK_PRESSURE_PERCENT. */
  diskPressure: "DiskPressure",
  /** The home volume claim was deleted by hand while the Sprite existed (a record: it stays True). */
  homeVolumeLost: "HomeVolumeLost",
  /** The pod runs an older template than the operator wants: True while the change waits (see reason). */
  updatePending: "UpdatePending",
} as const;

/** Percent of the home volume in use from which the Sprite warns (event and DiskPressure condition). */
export const DISK_PRESSURE_PERCENT = 90;

/** Reasons for phases, conditions and Events: CamelCase words, stable for scripts. */
export const REASON = {
  // Why a Sprite is awake, or hibernating.
  sessionActive: "SessionActive",
  execRunning: "ExecRunning",
  processBusy: "ProcessBusy",
  networkActive: "NetworkActive",
  keepAwake: "KeepAwake",
  idleTimeoutPending: "IdleTimeoutPending",
  activityUnknown: "ActivityUnknown",
  idle: "Idle",
  hibernateRequested: "HibernateRequested",
  wakeRequested: "WakeRequested",
  // Ready condition.
  podReady: "PodReady",
  podStarting: "PodStarting",
  podFailing: "PodFailing",
  /** The node the pod runs on, or its home volume lives on, is not ready (or is gone). */
  nodeNotReady: "NodeNotReady",
  hibernated: "Hibernated",
  terminating: "Terminating",
  // ActivityFresh condition.
  agentReporting: "AgentReporting",
  agentNotReporting: "AgentNotReporting",
  awaitingFirstReport: "AwaitingFirstReport",
  // DiskPressure condition, and its events.
  diskAlmostFull: "DiskAlmostFull",
  diskOk: "DiskOk",
  /** The volume holds more than its size: storage that does not enforce sizes let it grow. */
  overSize: "OverSize",
  diskUnknown: "DiskUnknown",
  // HomeVolumeLost condition and event.
  homeVolumeLost: "HomeVolumeLost",
  homeVolumeDeleting: "HomeVolumeDeleting",
  // UpdatePending condition, and its events.
  /** A change Puck made on its own (agent image, its defaults) waits until nobody uses the Sprite. */
  heldWhileInUse: "HeldWhileInUse",
  /** A change the user asked for applies at status.restartsAt, after the terminals were warned. */
  restartScheduled: "RestartScheduled",
  upToDate: "UpToDate",
  // Events.
  created: "Created",
  woke: "Woke",
  deleted: "Deleted",
  storageRetained: "StorageRetained",
  storagePurged: "StoragePurged",
} as const;
