// `puck list`: a table of Sprites (or -o json|yaml), optionally watching for changes.
import type { ObjectEvent } from "../../kube/list-watch.js";
import type { Sprite } from "../../operator/api/index.js";
import type { Io } from "../io.js";
import { createOutput, dataFormatter, phaseStyle, renderTable, type DataFormat } from "../output.js";
import { LIST_HEADERS, WIDE_HEADERS, byText, listName, listRow, sortByName } from "../render-list.js";
import { followSprites, listSprites, type Target } from "../sprites.js";
import { openTarget, type TargetOptions } from "../target.js";

type ListFormat = "wide" | "name" | DataFormat;
export type ListOptions = TargetOptions & { output?: ListFormat | undefined; watch?: boolean | undefined };

export async function list(_args: string[], options: ListOptions, io: Io): Promise<number> {
  const out = createOutput(io);
  const format = options.output;
  const target = await openTarget(options, io);
  const result = await listSprites(target);
  const all = target.allNamespaces === true;
  const sprites = all ? sortByNamespace(result.items) : sortByName(result.items);
  if (format === "json" || format === "yaml") {
    await out.data({ apiVersion: "v1", kind: "List", items: sprites }, format);
  } else if (format === "name") {
    // For scripts and shell completion: bare names, one a line.
    for (const s of sprites) out.line(listName(s, all));
  } else if (sprites.length === 0 && !options.watch) {
    out.note(`No Sprites ${all ? "in any namespace" : `in namespace ${target.namespace}`}. Create one with \`puck create NAME\`.`);
  } else {
    const wide = format === "wide";
    const now = io.now();
    const rows = sprites.map((s) => withNamespace(all, s, listRow(s, now, wide)));
    const phase = all ? 2 : 1;
    out.table(headers(all, wide), rows, (r, c) => (c === phase ? phaseStyle(rows[r]?.[phase]) : undefined));
  }
  if (!options.watch) return 0;
  return watchList(target, result.metadata.resourceVersion, format, io);
}

const headers = (all: boolean, wide: boolean) => [...(all ? ["NAMESPACE"] : []), ...(wide ? WIDE_HEADERS : LIST_HEADERS)];
const withNamespace = (all: boolean, sprite: Sprite, row: string[]) => (all ? [sprite.metadata.namespace ?? "", ...row] : row);
const sortByNamespace = (sprites: Sprite[]) =>
  [...sprites].sort((a, b) => byText(`${a.metadata.namespace}/${a.metadata.name}`, `${b.metadata.namespace}/${b.metadata.name}`));

/**
 * Prints one row (or object) per change, like `kubectl get -w`, until interrupted. The watch is
 * restarted when it ends or goes silent; after 410 Gone or a failure it lists again and prints
 * every Sprite once more, as it may have missed changes.
 */
async function watchList(
  target: Target,
  resourceVersion: string | undefined,
  format: ListFormat | undefined,
  io: Io,
): Promise<number> {
  const out = createOutput(io);
  const toData = format === "json" || format === "yaml" ? await dataFormatter(format) : undefined;
  const abort = new AbortController();
  process.once("SIGINT", () => abort.abort());
  const all = target.allNamespaces === true;
  const print = ({ type, object: sprite }: ObjectEvent<Sprite>) => {
    if (toData) {
      out.text(toData({ type, object: sprite }));
      return;
    }
    if (format === "name") {
      out.line(listName(sprite, all));
      return;
    }
    const row = withNamespace(all, sprite, listRow(sprite, io.now(), format === "wide"));
    if (type === "DELETED") row[all ? 2 : 1] = "Deleted";
    // The row alone, padded as under the header printed first.
    out.line(renderTable(headers(all, format === "wide"), [row]).split("\n")[1]);
  };
  await followSprites(target, {
    resourceVersion,
    signal: abort.signal,
    onList: (sprites) => {
      for (const object of sprites) print({ type: "ADDED", object });
    },
    onEvent: print,
    onRetry: (message, retryInMs) => out.warn(`${message}; retrying in ${Math.ceil(retryInMs / 1000)} s`),
  });
  return 0;
}
