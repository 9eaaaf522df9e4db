// Comparing desired objects with what the API server returns: key order, defaults and quantities aside.
import { parseQuantity } from "../../kube/quantity.js";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isEmpty = (v: unknown) => (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/** Structural equality that ignores key order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Whether everything `desired` says is also in `actual`: fields the server defaulted are ignored,
 * arrays must match element by element and in length (a hand-added env var is a difference), and
 * quantities compare by value ("0.5" equals "500m", as the server rewrites them).
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  return firstDifference(desired, actual) === undefined;
}

/** The path of the first field where `actual` does not contain `desired` (see isSubset), for logs. */
export function firstDifference(desired: unknown, actual: unknown, path = ""): string | undefined {
  if (desired === undefined) return undefined;
  // The server drops empty maps and lists ("requests: {}"): asking for one is asking for nothing.
  if (actual === undefined && isEmpty(desired)) return undefined;
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || desired.length !== actual.length) return path || ".";
    for (let i = 0; i < desired.length; i++) {
      const d = firstDifference(desired[i], actual[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(desired)) {
    if (!isObject(actual)) return path || ".";
    for (const [k, v] of Object.entries(desired)) {
      const d = firstDifference(v, actual[k], `${path}.${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (desired === actual) return undefined;
  const qd = parseQuantity(desired);
  const qa = parseQuantity(actual);
  if (qd !== undefined && qa !== undefined && Math.abs(qd - qa) <= Math.abs(qd) * 1e-9) return undefined;
  return path || ".";
}
