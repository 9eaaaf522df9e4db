// Tests for a home volume's size.
import { describe, expect, it } from "vitest";
import { DEFAULT_STORAGE_SIZE } from "./sprite-schema.js";
import { storageSize } from "./disk.js";

describe("storageSize", () => {
  it.each([
    { name: "the spec's size", spec: { image: "debian:12", storageSize: "20Gi" }, want: "20Gi" },
    { name: "the one default when the spec names none", spec: { image: "debian:12" }, want: DEFAULT_STORAGE_SIZE },
  ])("$name", ({ spec, want }) => expect(storageSize(spec)).toBe(want));
});
