// `puck describe NAME`: everything about one Sprite, and the recent events of it and its pod.
import { childNames } from "../../operator/api/index.js";
import type { Io } from "../io.js";
import { createOutput } from "../output.js";
import { renderDescribe } from "../render-describe.js";
import { byEventTime, getSprite, listEvents } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";

export async function describe([name]: string[], options: TargetOptions, io: Io): Promise<number> {
  const target = await openTarget(options, io);
  const sprite = await getSprite(target, name!);
  const pod = sprite.status?.podName ?? childNames(name!).pod;
  // Events are a nicety: a user who may read Sprites but not events still gets the rest.
  const [own, ofPod] = await Promise.all([
    listEvents(target, sprite.kind, name!).catch(() => []),
    listEvents(target, "Pod", pod).catch(() => []),
  ]);
  const events = [...own, ...ofPod].sort(byEventTime);
  createOutput(io).text(renderDescribe(sprite, events, io.now()));
  return 0;
}
