// `puck create NAME`: validate every flag, ask for what is missing on a terminal, create, wait.
import { readFileSync } from "node:fs";
import { DEFAULT_STORAGE_SIZE, IDLE_TIMEOUT_MINUTES } from "../../operator/api/index.js";
import { askText, canAsk } from "../ask.js";
import { buildSprite, DEFAULT_IMAGE, nameProblem, type CreateInput } from "../create-spec.js";
import { EXIT, PuckError } from "../errors.js";
import type { Io } from "../io.js";
import { createOutput, createProgress, type DataFormat } from "../output.js";
import { createSprite } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";
import type { Target } from "../sprites.js";
import { waitUntilReady } from "../wake.js";

/** The fields of the Sprite a flag of the same name sets. */
const SPEC_FLAGS = ["image", "storage", "storageClass", "persist", "idleTimeout", "cpu", "memory", "cpuLimit", "memoryLimit", "node"] as const;
type SpecFlags = { [K in (typeof SPEC_FLAGS)[number]]?: string | undefined };

export type CreateOptions = TargetOptions &
  SpecFlags & { tolerate: string[]; http: string[]; allow: string[]; authorizedKeys?: string | undefined; dryRun?: boolean | undefined; output?: DataFormat | undefined; wait: boolean; timeout: number };

export async function create([name]: string[], options: CreateOptions, io: Io): Promise<number> {
  const out = createOutput(io);
  const timeoutMs = options.timeout;
  const dryRun = options.dryRun === true;
  if (options.output && !dryRun) throw new PuckError("-o only applies with --dry-run", "add --dry-run to print the Sprite instead of creating it", EXIT.usage);
  let authorizedKeys: string | undefined;
  const keysFile = options.authorizedKeys;
  const problems: string[] = [];
  if (keysFile !== undefined) {
    try {
      authorizedKeys = readFileSync(keysFile, "utf8");
    } catch (error) {
      problems.push(`--authorized-keys: cannot read ${keysFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  // Without -n and a kubeconfig, --dry-run still works: it needs no cluster.
  let target: Target | undefined;
  let namespace = options.namespace ?? "default";
  if (!dryRun || !options.namespace) {
    try {
      target = await openTarget(options, io);
      namespace = target.namespace;
    } catch (error) {
      if (!dryRun) throw error;
    }
  }
  const input: CreateInput = { namespace, ...(name ? { name } : {}), ...(authorizedKeys !== undefined ? { authorizedKeys } : {}) };
  for (const flag of SPEC_FLAGS) {
    const value = options[flag];
    if (value !== undefined) input[flag] = value;
  }
  if (options.tolerate.length > 0) input.tolerate = options.tolerate;
  if (options.http.length > 0) input.http = options.http;
  if (options.allow.length > 0) input.allow = options.allow;
  if (canAsk(io) && !dryRun) await askMissing(io, input);
  const built = buildSprite(input);
  problems.push(...built.problems);
  if (problems.length > 0 || !built.sprite) {
    throw new PuckError(
      problems.length === 1 ? problems[0]! : `${problems.length} problems:\n  - ${problems.join("\n  - ")}`,
      "fix the values above and run the command again (see `puck create --help`)",
      EXIT.usage,
    );
  }
  if (dryRun) {
    await out.data(built.sprite, options.output ?? "yaml");
    return 0;
  }
  const created = await createSprite(target!, built.sprite);
  out.success(`Created Sprite ${created.metadata.name} in namespace ${target!.namespace}`);
  if (options.wait === false) return 0;
  const progress = createProgress(io, `Starting ${created.metadata.name}`);
  try {
    await waitUntilReady(target!, created, { timeoutMs, progress });
  } finally {
    progress.stop();
  }
  out.success(`Sprite ${created.metadata.name} is Active: \`puck connect ${created.metadata.name}\``);
  return 0;
}

/** On a terminal, asks for the values that were not given as flags. */
async function askMissing(io: Io, input: CreateInput): Promise<void> {
  if (!input.name) input.name = await askText(io, "Name", "", (v) => nameProblem(v) ?? true);
  if (input.image === undefined) input.image = await askText(io, "Image", DEFAULT_IMAGE, (v) => (v.trim() ? true : "an image is required"));
  if (input.storage === undefined) input.storage = await askText(io, "Home volume size", DEFAULT_STORAGE_SIZE);
  if (input.idleTimeout === undefined) input.idleTimeout = await askText(io, "Hibernate after (idle)", `${IDLE_TIMEOUT_MINUTES.default}m`);
}
