// `puck delete NAME [--purge]`: delete a Sprite, keeping its home volume unless told to purge it.
import { childNames } from "../../operator/api/index.js";
import { canAsk, confirm } from "../ask.js";
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { deleteSprite, getSprite, patchSpec } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";

export async function deleteCommand([name]: string[], options: TargetOptions & { purge?: boolean | undefined; yes?: boolean | undefined }, io: Io): Promise<number> {
  const target = await openTarget(options, io);
  const out = createOutput(io);
  const sprite = await getSprite(target, name!);
  const pvc = childNames(name!).pvc;
  if (options.purge) {
    if (!options.yes) {
      if (!canAsk(io)) throw new PuckError(`--purge deletes the home volume ${pvc} and all its files`, "add --yes to confirm", EXIT.usage);
      if (!(await confirm(io, `Delete Sprite ${name} AND its home volume ${pvc}? Its files will be lost.`))) {
        out.note("Nothing deleted.");
        return 1;
      }
    }
    // The operator reads the flag when it finalises the deletion, so it must be written first.
    await patchSpec(target, name!, { purgeStorageOnDelete: true });
    await deleteSprite(target, name!);
    out.success(`Deleted Sprite ${name} and its home volume ${pvc}`);
    return 0;
  }
  // An earlier --purge that was answered "no" must not purge now.
  if (sprite.spec.purgeStorageOnDelete) await patchSpec(target, name!, { purgeStorageOnDelete: false });
  await deleteSprite(target, name!);
  out.success(`Deleted Sprite ${name}; its home volume ${pvc} is kept.`);
  out.note(`  A new Sprite named ${name} reuses it. To delete it: kubectl delete pvc ${pvc} -n ${target.namespace}`);
  return 0;
}
