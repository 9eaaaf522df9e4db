// A Sprite's finalizer: added before it gets children, and removed once they are deleted.
import { FINALIZER, REASON, SPRITES, childNames, type Sprite } from "../api/index.js";
import { TERMINATING } from "./decide.js";
import { ensureDeleted } from "../runtime/ensure.js";
import type { Logger } from "../runtime/logger.js";
import type { ReconcileDeps } from "./reconcile-context.js";
import { resourcePath } from "../runtime/resources.js";
import { desiredOperatorStatus, operatorStatusChanges } from "./status.js";

/** Adds the finalizer if missing, so deletion waits for the children to go; updates `sprite` in place. */
export async function ensureFinalizer(sprite: Sprite, deps: ReconcileDeps): Promise<void> {
  if (sprite.metadata.finalizers?.includes(FINALIZER)) return;
  const patched = await deps.client.request<Sprite>("PATCH", resourcePath(SPRITES, sprite.metadata.namespace, sprite.metadata.name), {
    body: { metadata: { finalizers: [...(sprite.metadata.finalizers ?? []), FINALIZER], resourceVersion: sprite.metadata.resourceVersion } },
  });
  sprite.metadata = patched.metadata;
}

/** Says the Sprite is terminating, deletes its children (the home volume only if asked), then lets it go. */
export async function finalize(sprite: Sprite, deps: ReconcileDeps, log: Logger): Promise<void> {
  const { client, events } = deps;
  const { name } = sprite.metadata;
  const namespace = sprite.metadata.namespace!;
  if (!sprite.metadata.finalizers?.includes(FINALIZER)) return;
  const names = childNames(name);
  const current = sprite.status ?? {};
  const input = { current, generation: sprite.metadata.generation ?? 0, decision: TERMINATING, podName: names.pod, pod: { exists: false, ready: false } };
  const patch = operatorStatusChanges(current, desiredOperatorStatus(input, deps.now()));
  let resourceVersion = sprite.metadata.resourceVersion;
  if (patch) {
    const updated = await client.request<Sprite>("PATCH", resourcePath(SPRITES, namespace, name, "status"), { body: { status: patch } });
    resourceVersion = updated.metadata.resourceVersion;
  }

  await ensureDeleted(client, "statefulsets", namespace, names.statefulSet);
  await ensureDeleted(client, "services", namespace, names.service);
  await ensureDeleted(client, "rolebindings", namespace, names.roleBinding);
  await ensureDeleted(client, "roles", namespace, names.role);
  await ensureDeleted(client, "serviceaccounts", namespace, names.serviceAccount);
  if (sprite.spec.purgeStorageOnDelete) {
    await ensureDeleted(client, "persistentvolumeclaims", namespace, names.pvc);
    log.info("Deleted PersistentVolumeClaim", { pvc: names.pvc });
    await events(sprite, "Normal", REASON.storagePurged, `Deleted the home volume ${names.pvc}.`);
  } else {
    await events(sprite, "Normal", REASON.storageRetained, `Kept the home volume ${names.pvc}; a new Sprite named ${name} re-attaches it.`);
  }
  await events(sprite, "Normal", REASON.deleted, "Deleted the Sprite's StatefulSet, Service and agent RBAC.");
  await client.request("PATCH", resourcePath(SPRITES, namespace, name), {
    body: { metadata: { finalizers: sprite.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion } },
  });
  log.info("Deleted Sprite", { purged: sprite.spec.purgeStorageOnDelete === true });
}
