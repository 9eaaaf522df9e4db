// A fast path for the plain YAML kubeconfigs are written in: block maps and lists (and one-line flow
// maps and lists) of string, boolean and null scalars. It answers only where its answer equals the `yaml` package's (a property
// test holds it to that) and returns undefined otherwise, for the caller to ask `yaml` itself.
// Why: loading and warming `yaml` costs ~20 ms, a sixth of `puck list`.

type Value = string | boolean | null | Value[] | { [key: string]: Value };

interface Line {
  indent: number;
  dash: boolean;
  /** For "- key: value": the column of the key, where the item's map sits. */
  itemColumn?: number;
  key?: string;
  /** The raw text after "key:" or "- ", trimmed; "" when nothing follows. */
  raw: string;
}

/** Thrown inside to give up; never leaves this module. */
class Outside extends Error {}

const KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
/** Plain scalars that YAML's core schema would read as something else than a string, or that need care. */
const NOT_PLAIN_STRING = /^[?:,[\]{}#&*!|>'"%@`]|^-(?:\s|$|[0-9.])|^[+.]?[0-9]|^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$|: |:$| #|\t|\\/;
const NULL = /^(?:~|null|Null|NULL)$/;
const BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;

/** A one-line flow map or list of plain scalars ("{ cluster: lab, user: me }"); nesting and quotes give up. */
function flow(raw: string): Value {
  const inner = raw.slice(1, -1).trim();
  const isMap = raw.startsWith("{");
  if (inner === "") return isMap ? {} : [];
  if (/[[\]{}"'#]/.test(inner)) throw new Outside();
  const parts = inner.split(",").map((part) => part.trim());
  if (!isMap) return parts.map(flowScalar);
  const object: { [key: string]: Value } = {};
  for (const part of parts) {
    const colon = part.indexOf(": ");
    const key = part.slice(0, colon);
    if (colon <= 0 || !KEY.test(key) || key === "__proto__" || Object.hasOwn(object, key)) throw new Outside();
    object[key] = flowScalar(part.slice(colon + 2).trim());
  }
  return object;
}

function flowScalar(raw: string): Value {
  if (raw === "" || /:(?:\s|$)/.test(raw)) throw new Outside();
  return scalar(raw);
}

function scalar(raw: string): Value {
  if ((raw.startsWith("{") && raw.endsWith("}")) || (raw.startsWith("[") && raw.endsWith("]"))) return flow(raw);
  if (/^"[^"\\]*"$/.test(raw)) return raw.slice(1, -1);
  if (/^'[^']*'$/.test(raw)) return raw.slice(1, -1);
  if (NOT_PLAIN_STRING.test(raw)) throw new Outside();
  if (NULL.test(raw)) return null;
  if (BOOL.test(raw)) return raw[0] === "t" || raw[0] === "T";
  return raw;
}

function tokenize(text: string): Line[] {
  const lines: Line[] = [];
  for (const text_ of text.split("\n")) {
    const line = text_.endsWith("\r") ? text_.slice(0, -1) : text_;
    const body = line.trimStart();
    if (body === "" || body.startsWith("#")) continue;
    if (line.startsWith("---") || line.startsWith("...") || /^\s*\t/.test(line)) throw new Outside();
    const indent = line.length - body.length;
    const trimmed = body.trimEnd();
    const dash = trimmed === "-" || trimmed.startsWith("- ");
    const rest = dash ? trimmed.slice(1).trimStart() : trimmed;
    if (dash && rest === "") throw new Outside();
    const colon = rest.indexOf(":");
    const isPair = colon > 0 && (colon === rest.length - 1 || rest[colon + 1] === " ") && KEY.test(rest.slice(0, colon));
    if (isPair) lines.push({ indent, dash, itemColumn: indent + trimmed.length - rest.length, key: rest.slice(0, colon), raw: rest.slice(colon + 1).trim() });
    else if (dash) lines.push({ indent, dash, raw: rest });
    else throw new Outside();
  }
  return lines;
}

export function parsePlainYaml(text: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    const lines = tokenize(text);
    if (lines.length === 0) return undefined;
    let i = 0;

    const block = (indent: number): Value => (lines[i]!.dash ? sequence(indent) : map(indent));

    /** The value of a key or list item whose text was empty: a nested block, or null. */
    const nested = (parentIndent: number, sequenceHere: boolean): Value => {
      const next = lines[i];
      if (next && next.indent > parentIndent) return block(next.indent);
      if (next && sequenceHere && next.indent === parentIndent && next.dash) return sequence(parentIndent);
      return null;
    };

    const map = (indent: number): Value => {
      const object: { [key: string]: Value } = {};
      while (i < lines.length && lines[i]!.indent === indent && !lines[i]!.dash) {
        const { key, raw } = lines[i++]!;
        if (key === undefined || key === "__proto__" || Object.hasOwn(object, key)) throw new Outside();
        // kubectl writes a key's list at the key's own indent ("contexts:\n- context:").
        object[key] = raw === "" ? nested(indent, true) : scalar(raw);
      }
      if (i < lines.length && lines[i]!.indent > indent) throw new Outside();
      return object;
    };

    const sequence = (indent: number): Value => {
      const items: Value[] = [];
      while (i < lines.length && lines[i]!.indent === indent && lines[i]!.dash) {
        const line = lines[i]!;
        if (line.key === undefined) {
          i++;
          items.push(scalar(line.raw));
          continue;
        }
        // "- key: value": a map whose keys sit in the key's column.
        const column = line.itemColumn!;
        lines[i] = { indent: column, dash: false, key: line.key, raw: line.raw };
        items.push(map(column));
      }
      if (i < lines.length && lines[i]!.indent > indent) throw new Outside();
      return items;
    };

    const first = lines[0]!;
    if (first.indent !== 0) return undefined;
    const value = block(0);
    return i === lines.length ? value : undefined;
  } catch (error) {
    if (error instanceof Outside) return undefined;
    throw error;
  }
}
