// A strict parser for the plain YAML that kubeconfig files are made of (block maps and lists, one-line
// flow maps and lists, plain or quoted scalars). Parsing a kubeconfig with the full `yaml` library
// costs ~10 ms per run — a fifth of `kubectl get`'s whole time — so `puck list` tries this first.
// Anything outside that subset throws FastYamlUnsupported, and the caller falls back to `yaml`.

export class FastYamlUnsupported extends Error {}

interface Line {
  indent: number;
  text: string;
  number: number;
}

const unsupported = (line: Line | undefined, why: string): never => {
  throw new FastYamlUnsupported(`line ${line?.number ?? "?"}: ${why}`);
};

/** Strips a comment: a '#' at the start or after a blank, outside quotes. */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "#" && (i === 0 || text[i - 1] === " " || text[i - 1] === "\t")) return text.slice(0, i).trimEnd();
  }
  if (quote) unsupported(undefined, "unterminated quote");
  return text.trimEnd();
}

function scalar(raw: string, line: Line): unknown {
  const text = raw.trim();
  if (text === "" || text === "~" || text === "null" || text === "Null" || text === "NULL") return null;
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) unsupported(line, "multi-line quoted scalar");
    return JSON.parse(text);
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) unsupported(line, "multi-line quoted scalar");
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[[{|>&*!%@`]/.test(text)) unsupported(line, `unsupported scalar ${text.slice(0, 10)}`);
  if (text === "true" || text === "True" || text === "TRUE") return true;
  if (text === "false" || text === "False" || text === "FALSE") return false;
  if (/^-?(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  if (/^-?(0|[1-9][0-9]*)?\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/: |\t/.test(text) || text.endsWith(":")) unsupported(line, "ambiguous plain scalar");
  return text;
}

/** Splits a one-line flow collection's inside on commas outside quotes. */
function splitFlow(inner: string, line: Line): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[" || ch === "{") unsupported(line, "nested flow collection");
    else if (ch === ",") {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inner.slice(start));
  const trimmed = parts.map((p) => p.trim());
  if (trimmed[trimmed.length - 1] === "") trimmed.pop();
  return trimmed;
}

function value(raw: string, line: Line): unknown {
  const text = raw.trim();
  if (text.startsWith("{")) {
    if (!text.endsWith("}")) unsupported(line, "multi-line flow map");
    const out: Record<string, unknown> = {};
    for (const part of splitFlow(text.slice(1, -1), line)) {
      const [k, v] = keyValue(part, line);
      out[k] = v === undefined ? null : value(v, line);
    }
    return out;
  }
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) unsupported(line, "multi-line flow list");
    return splitFlow(text.slice(1, -1), line).map((p) => scalar(p, line));
  }
  return scalar(text, line);
}

/** "key: value" → [key, value]; "key:" → [key, undefined]. */
function keyValue(text: string, line: Line): [string, string | undefined] {
  let key: string;
  let rest: string;
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = text.indexOf(text[0]!, 1);
    if (end < 0) unsupported(line, "bad quoted key");
    key = String(scalar(text.slice(0, end + 1), line));
    rest = text.slice(end + 1);
    if (!rest.startsWith(":")) unsupported(line, "expected ':' after key");
    rest = rest.slice(1);
  } else {
    const colon = text.search(/:( |$)/);
    if (colon <= 0) unsupported(line, "expected 'key: value'");
    key = text.slice(0, colon);
    rest = text.slice(colon + 1);
    if (/[{}[\],&*!|>'"%@`]/.test(key[0] ?? "")) unsupported(line, "unsupported key");
  }
  return [key, rest.trim() === "" ? undefined : rest.trim()];
}

export function parseFastYaml(source: string): unknown {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    if (raw.includes("\t") && /^\s*\t/.test(raw)) unsupported({ indent: 0, text: raw, number: i + 1 }, "tab indentation");
    const text = stripComment(raw);
    if (text.trim() === "") return;
    if (text === "---" || text === "...") {
      if (lines.length > 0) unsupported({ indent: 0, text, number: i + 1 }, "several documents");
      return;
    }
    if (text.startsWith("%")) unsupported({ indent: 0, text, number: i + 1 }, "directive");
    const indent = text.length - text.trimStart().length;
    lines.push({ indent, text: text.trimStart(), number: i + 1 });
  });
  let pos = 0;

  function block(indent: number): unknown {
    const first = lines[pos];
    if (!first || first.indent < indent) return null;
    if (first.text === "-" || first.text.startsWith("- ")) return list(first.indent);
    return map(first.indent);
  }

  function list(indent: number): unknown[] {
    const out: unknown[] = [];
    while (pos < lines.length && lines[pos]!.indent === indent && (lines[pos]!.text === "-" || lines[pos]!.text.startsWith("- "))) {
      const line = lines[pos]!;
      const rest = line.text === "-" ? "" : line.text.slice(2);
      const restTrimmed = rest.trimStart();
      if (restTrimmed === "") {
        pos++;
        out.push(block(indent + 1));
      } else if (/^[^"'{[][^:]*:( |$)|^["'][^"']*["']:( |$)/.test(restTrimmed) && !restTrimmed.startsWith("{")) {
        // "- key: value": a map whose keys are indented to where "key" starts.
        const inner = indent + 2 + (rest.length - restTrimmed.length);
        lines[pos] = { indent: inner, text: restTrimmed, number: line.number };
        out.push(map(inner));
      } else {
        pos++;
        out.push(value(restTrimmed, line));
      }
    }
    if (pos < lines.length && lines[pos]!.indent > indent) unsupported(lines[pos], "bad indentation");
    return out;
  }

  function map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (pos < lines.length && lines[pos]!.indent === indent) {
      const line = lines[pos]!;
      if (line.text.startsWith("- ") || line.text === "-") unsupported(line, "list item inside a map");
      const [key, rest] = keyValue(line.text, line);
      if (Object.hasOwn(out, key)) unsupported(line, `duplicate key ${key}`);
      pos++;
      if (rest !== undefined) out[key] = value(rest, line);
      else {
        const next = lines[pos];
        // A list may sit at the same indentation as its key, as kubectl writes it.
        if (next && (next.indent > indent || (next.indent === indent && (next.text.startsWith("- ") || next.text === "-")))) {
          out[key] = next.indent === indent ? list(indent) : block(indent + 1);
        } else out[key] = null;
      }
    }
    if (pos < lines.length && lines[pos]!.indent > indent) unsupported(lines[pos], "bad indentation");
    return out;
  }

  if (lines.length === 0) return null;
  const doc = block(0);
  if (pos < lines.length) unsupported(lines[pos], "unexpected content");
  return doc;
}
