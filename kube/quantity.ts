// Kubernetes quantities ("10Gi", "500m", 2): the form a CRD accepts, and their value. Pure.

/** The quantities Puck accepts: a decimal number and an optional suffix, as in a CRD's pattern. */
export const QUANTITY_PATTERN = "^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$";
const QUANTITY = new RegExp(QUANTITY_PATTERN);

const SUFFIX: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a quantity ("500m", "10Gi", 2; the API server may return a number), or undefined if it is not one. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const suffix = match[2] ?? "";
  return Number(value.slice(0, value.length - suffix.length)) * SUFFIX[suffix]!;
}
