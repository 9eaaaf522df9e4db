// `puck network NAME [--allow TARGET]... [--remove TARGET]...`: what a Sprite may reach over the
// network (spec.network.allow, kept by the NetworkPolicy the operator owns).
import { reachWords, type NetworkAllow } from "../../operator/api/index.js";
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { ALLOW_HINT, changeAllows, parseAllowTarget } from "../network-spec.js";
import { createOutput } from "../output.js";
import { getSprite, updateSpec } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";

export type NetworkFlags = { allow: string[]; remove: string[] };

const parsed = (flag: string, texts: readonly string[]): NetworkAllow[] =>
  texts.map((text) => {
    const allow = parseAllowTarget(text);
    if (!allow) throw new PuckError(`--${flag} "${text}" is not a range, a Service or a Sprite`, ALLOW_HINT, EXIT.usage);
    return allow;
  });

export async function network([name]: string[], options: TargetOptions & NetworkFlags, io: Io): Promise<number> {
  const adds = parsed("allow", options.allow);
  const removes = parsed("remove", options.remove);
  const target = await openTarget(options, io);
  const out = createOutput(io);
  let sprite = await getSprite(target, name!);
  if (adds.length + removes.length > 0) {
    const apply = (list: readonly NetworkAllow[]) => {
      let next = [...list];
      try {
        for (const add of adds) next = changeAllows(next, { add }, target.namespace);
      } catch (error) {
        throw new PuckError(`--allow: ${(error as Error).message}`, `remove some first: puck network ${name} --remove TARGET`, EXIT.usage);
      }
      for (const remove of removes) next = changeAllows(next, { remove }, target.namespace);
      return next;
    };
    // An empty list is written as null: a merge patch removes the field rather than keeping [].
    sprite = await updateSpec(target, name!, (current) => {
      const allow = apply(current.spec.network?.allow ?? []);
      return { network: allow.length > 0 ? { allow } : (null as never) };
    }, sprite);
    out.success(`Sprite ${name}'s network boundary changed: the operator updates its NetworkPolicy now`);
  }
  const [always, ...allowed] = reachWords(sprite.spec, target.namespace);
  out.line(`Sprite ${name} reaches ${always}.`);
  if (allowed.length === 0) out.line(`Nothing else: let it reach more with puck network ${name} --allow TARGET.`);
  else for (const extra of allowed) out.line(`  and ${extra}`);
  return 0;
}
