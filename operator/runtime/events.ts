// Kubernetes Events on a Sprite, so `kubectl describe` tells its story. Failures never fail a reconcile.
import { API_VERSION, KIND, type Sprite } from "../api/index.js";
import type { KubeClient } from "../../kube/client.js";
import type { Logger } from "./logger.js";
import { resourcePath } from "./resources.js";

export type EventRecorder = (sprite: Sprite, type: "Normal" | "Warning", reason: string, message: string) => Promise<void>;

export function makeEventRecorder(client: KubeClient, log: Logger, instance: string, now: () => Date): EventRecorder {
  return async (sprite, type, reason, message) => {
    const time = now().toISOString().replace(/\.\d{3}Z$/, "Z");
    const namespace = sprite.metadata.namespace ?? "default";
    try {
      await client.request("POST", resourcePath("events", namespace), {
        body: {
          apiVersion: "v1",
          kind: "Event",
          metadata: { generateName: `${sprite.metadata.name}.`, namespace },
          involvedObject: { apiVersion: API_VERSION, kind: KIND, name: sprite.metadata.name, namespace, uid: sprite.metadata.uid },
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
      log.warn("Failed to record an Event", { sprite: sprite.metadata.name, namespace, reason, error });
    }
  };
}
