// Kubernetes Events on the objects a controller reconciles, so `kubectl describe` tells their story.
// Failures never fail a reconcile.
import type { KubeClient, ObjectMeta } from "../../kube/client.js";
import type { Logger } from "./logger.js";
import { resourcePath } from "./resources.js";

/** The object an Event is about: its kind's apiVersion and kind are the recorder's. */
export type Involved = { metadata: ObjectMeta };

export type EventRecorder = (object: Involved, type: "Normal" | "Warning", reason: string, message: string) => Promise<void>;

/** A recorder of Events on objects of one kind (`{ apiVersion, kind }`). */
export function makeEventRecorder(
  client: KubeClient,
  log: Logger,
  instance: string,
  now: () => Date,
  involvedKind: { apiVersion: string; kind: string },
): EventRecorder {
  const { apiVersion, kind } = involvedKind;
  // The log field is named after the kind, as the controller's own lines are ({ sprite: NAME }).
  const field = kind.toLowerCase();
  return async (object, type, reason, message) => {
    const time = now().toISOString().replace(/\.\d{3}Z$/, "Z");
    const namespace = object.metadata.namespace ?? "default";
    try {
      await client.request("POST", resourcePath("events", namespace), {
        body: {
          apiVersion: "v1",
          kind: "Event",
          metadata: { generateName: `${object.metadata.name}.`, namespace },
          involvedObject: { apiVersion, kind, name: object.metadata.name, namespace, uid: object.metadata.uid },
          type,
          reason,
          message,
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
          source: { component: "puck-operator" },
          reportingComponent: "puck-operator",
          reportingInstance: instance,
        },
      });
    } catch (error) {
      log.warn("Failed to record an Event", { [field]: object.metadata.name, namespace, reason, error });
    }
  };
}
