// Tests for the value of a Kubernetes quantity, as the operator compares them and `puck create` checks them.
import { describe, expect, it } from "vitest";
import { parseQuantity } from "./quantity.js";

describe("parseQuantity", () => {
  it.each([
    ["binary suffixes", "10Gi", 10 * 2 ** 30],
    ["decimal suffixes", "2k", 2000],
    ["millis", "500m", 0.5],
    ["plain numbers", "3", 3],
    ["decimals", "1.5Gi", 1.5 * 2 ** 30],
    ["a decimal without a suffix", "0.5", 0.5],
    ["a number, as the API server may return one", 2, 2],
    ["garbage", "ten", undefined],
    ["an image reference", "debian:12", undefined],
  ] as const)("%s", (_name, value, expected) => expect(parseQuantity(value)).toBe(expected));
});
